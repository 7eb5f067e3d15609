"""The demo data set: a realistic Chinese micro-loan company, generated without a database.

:func:`generate_demo_data` is pure and deterministic (seeded ``random.Random``): the
same registry, ``seed``, ``loans`` and business date always give the same data set.
It returns frozen plain dataclasses; :mod:`lowlend.persistence.demo_loader` writes
them (idempotently, in one transaction).

What it holds
-------------

* the organisation: 总部 / 业务一部 / 业务二部 / 风控部 / 财务部 / 催收部, the 南昌分公司
  (region ``CN-JX``) and a 香港分公司 (region ``HK``) — fixed, not random;
* staff, among them the demo users ``admin, manager, risk, finance, collector,
  auditor`` (``DemoStaff.username``), plus loan officers and collectors;
* individual customers (Chinese names, 18-digit resident ID numbers with a real
  address code and a correct ISO 7064 MOD 11-2 check digit, mobile numbers; HKID
  numbers for the Hong Kong branch) and a few enterprises (unified social credit
  codes with correct check characters);
* applications in every status of :data:`APPLICATION_STATUSES`;
* ``loans`` loans spread over the registry's products, each with its schedule
  (:func:`lowlend.domain.schedule.build_schedule` + fees), repayments as
  transactions and the state as of the business date from the domain's replay
  (penalties, DPD, five-category classification): most loans are repaid on time,
  some late, some are overdue, old short ones are closed.

Stability: loan ``i`` depends only on ``seed``, ``i`` and the loans before it, so a
larger ``loans`` extends a smaller data set (the loader then adds only the missing
loans). References (``ref``) are stable codes such as ``S7-L000042``.

>>> from lowlend.services.demo_data import resident_id_check_digit, uscc_check_char
>>> resident_id_check_digit("36042619910101007")
'1'
>>> uscc_check_char("91110000600037341")
'L'
>>> hkid_check_digit("A123456")
'3'
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lowlend.domain.conventions import EodStepCode, Frequency, LoanKind
from lowlend.domain.fees import FeeCharge, FeeSchedule, apply_fees
from lowlend.domain.loan_state import LoanState
from lowlend.domain.replay import replay
from lowlend.domain.schedule import Schedule, build_schedule
from lowlend.domain.transactions import Repayment
from lowlend.services.product_terms import fee_schedule_for, loan_terms_for, snapshot_of
from lowlend.spec.model import FieldKind, FieldSpec, ProductSpec

__all__ = [
    "APPLICATION_STATUSES",
    "DEFAULT_BUSINESS_DATE",
    "DEFAULT_LOANS",
    "DEFAULT_SEED",
    "DEMO_USERNAMES",
    "DemoApplication",
    "DemoCustomer",
    "DemoDataSet",
    "DemoDepartment",
    "DemoInstalment",
    "DemoLoan",
    "DemoStaff",
    "DemoTransaction",
    "generate_demo_data",
    "hkid_check_digit",
    "resident_id_check_digit",
    "uscc_check_char",
]

DEFAULT_LOANS = 200
DEFAULT_SEED = 7
DEFAULT_BUSINESS_DATE = date(2026, 11, 28)

DEMO_USERNAMES = ("admin", "manager", "risk", "finance", "collector", "auditor")
"""The demo users of CONTRACTS.md; each has a :class:`DemoStaff` row."""

APPLICATION_STATUSES = (
    "draft",
    "submitted",
    "in_review",
    "returned",
    "approved",
    "rejected",
    "withdrawn",
    "disbursed",
)
"""Application statuses used by the demo (``disbursed`` = a loan was booked)."""

LOAN_STATUSES = ("active", "overdue", "closed")
INSTALMENT_STATUSES = ("pending", "due", "overdue", "paid")
TRANSACTION_TYPES = ("disbursement", "repayment")

DEFAULT_DPD_RANGES: tuple[tuple[int | None, str], ...] = (
    (0, "pass"),
    (90, "special_mention"),
    (180, "substandard"),
    (360, "doubtful"),
    (None, "loss"),
)

_ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
_RATE_Q = Decimal("0.000001")
_SH_TZ = dt.timezone(timedelta(hours=8))  # Asia/Shanghai (no DST)


# ------------------------------------------------------------------ data classes


@dataclass(frozen=True)
class DemoDepartment:
    code: str
    name: str
    parent_code: str | None
    region: str


@dataclass(frozen=True)
class DemoStaff:
    employee_no: str
    name: str
    department_code: str
    region: str
    title: str
    skills: tuple[str, ...] = ()
    capacity: int = 0
    username: str | None = None


@dataclass(frozen=True)
class DemoCustomer:
    """A borrower. ``id_number`` is in clear here; the loader stores hash + ciphertext."""

    ref: str
    kind: str  # individual | enterprise
    name: str
    id_type: str  # resident_id | hkid | unified_credit_code
    id_number: str
    phone: str
    region: str
    department_code: str
    owner_employee_no: str | None
    created_at: dt.datetime
    custom: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoApplication:
    ref: str
    customer_ref: str
    product_code: str
    amount: Decimal
    currency: str
    term: int
    rate: Decimal
    status: str
    department_code: str
    owner_employee_no: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    custom: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoInstalment:
    seq: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    penalty: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    fee_paid: Decimal
    penalty_paid: Decimal
    status: str
    paid_off_on: date | None


@dataclass(frozen=True)
class DemoTransaction:
    ref: str  # also the idempotency key
    type: str
    value_date: date
    amount: Decimal
    currency: str
    allocation: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoLoan:
    ref: str
    application_ref: str
    customer_ref: str
    product_code: str
    kind: str
    principal: Decimal
    annual_rate: Decimal
    currency: str
    term: int
    status: str
    disbursed_on: date
    maturity_date: date
    last_closed_business_date: date
    dpd: int
    classification: str
    department_code: str
    owner_employee_no: str | None
    terms_snapshot: Mapping[str, Any]
    instalments: tuple[DemoInstalment, ...]
    transactions: tuple[DemoTransaction, ...]
    behaviour: str  # on_time | late | delinquent


@dataclass(frozen=True)
class DemoDataSet:
    seed: int
    business_date: date
    departments: tuple[DemoDepartment, ...]
    staff: tuple[DemoStaff, ...]
    customers: tuple[DemoCustomer, ...]
    applications: tuple[DemoApplication, ...]
    loans: tuple[DemoLoan, ...]


# ------------------------------------------------------------------ identity numbers

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID number."""
    total = sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code (first 17 characters)."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code (first 8 characters)."""
    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    total = sum(value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def hkid_check_digit(prefix_and_digits: str) -> str:
    """Check digit of a Hong Kong identity card number (``A123456`` → ``3``)."""
    body = prefix_and_digits.upper()
    if len(body) == 7:
        body = " " + body
    values = [36 if c == " " else ord(c) - ord("A") + 10 if c.isalpha() else int(c) for c in body]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


# (code, province, city, county, first birth year valid, last birth year valid)
_AREAS_JX = (
    ("360121", "江西省", "南昌市", "南昌县", None, None),
    ("360122", "江西省", "南昌市", "新建县", None, 2015),
    ("360102", "江西省", "南昌市", "东湖区", 1983, None),
    ("360103", "江西省", "南昌市", "西湖区", 1983, None),
    ("360104", "江西省", "南昌市", "青云谱区", 1983, None),
    ("360123", "江西省", "南昌市", "安义县", 1983, None),
    ("360124", "江西省", "南昌市", "进贤县", 1983, None),
    ("360403", "江西省", "九江市", "浔阳区", 1983, None),
    ("360424", "江西省", "九江市", "修水县", 1983, None),
    ("360502", "江西省", "新余市", "渝水区", 1983, None),
    ("360702", "江西省", "赣州市", "章贡区", 1998, None),
)
_AREAS_OTHER = (
    ("110105", "北京市", "北京市", "朝阳区", None, None),
    ("110108", "北京市", "北京市", "海淀区", None, None),
    ("310104", "上海市", "上海市", "徐汇区", None, None),
    ("120101", "天津市", "天津市", "和平区", None, None),
    ("440106", "广东省", "广州市", "天河区", 1985, None),
    ("330106", "浙江省", "杭州市", "西湖区", 1983, None),
    ("420106", "湖北省", "武汉市", "武昌区", 1983, None),
    ("430104", "湖南省", "长沙市", "岳麓区", 1996, None),
)
_STREETS = ("阳明路", "八一大道", "北京西路", "红谷中大道", "胜利路", "象山北路", "解放西路",
            "青山南路", "丰和中大道", "井冈山大道", "人民路", "中山路", "建设路", "文化路")
_HK_STREETS = ("彌敦道", "皇后大道中", "英皇道", "青山公路", "德輔道中", "亞皆老街")

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
             "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
             "毛郝龚邵万钱严覃武戴莫孔向汤熊")
_GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国峰志文博亮晨"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红琳雪婷颖露瑶怡佳慧倩璐欣梅莉蓉晶月莹洁琴云"
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                    "152", "153", "155", "156", "157", "158", "159", "176", "177", "180", "181",
                    "182", "183", "185", "186", "187", "188", "189", "191", "199")
_BRANDS = ("鑫源", "恒通", "宏达", "华盛", "金诚", "赣鄱", "洪城", "豫章", "瑞丰", "嘉禾", "明远",
           "卓越", "天虹", "永盛", "锦程", "顺达")
_INDUSTRY_WORDS = {
    "A": ("农业开发", "生态农业"),
    "C": ("机械制造", "电子科技", "食品加工"),
    "E": ("建筑工程", "装饰工程"),
    "F": ("商贸", "贸易"),
    "G": ("物流", "运输"),
    "H": ("餐饮管理", "酒店管理"),
    "I": ("信息技术", "网络科技"),
    "O": ("家政服务", "汽车维修"),
}
_EMPLOYERS = ("江西铜业集团有限公司", "南昌市第一医院", "江铃汽车股份有限公司", "南昌大学",
              "中国移动通信集团江西有限公司", "国网江西省电力有限公司", "江西省人民医院",
              "南昌市城市建设投资发展有限公司", "晶科能源股份有限公司", "江西洪都航空工业集团有限责任公司",
              "南昌市第三中学", "华润万家南昌分公司", "顺丰速运南昌分公司", "个体经营")
_HK_EMPLOYERS = ("香港醫院管理局", "港鐵公司", "香港中華煤氣有限公司", "國泰航空有限公司",
                 "香港賽馬會", "百佳超級市場")
_BANKS = ("中国工商银行南昌分行", "中国建设银行江西省分行", "中国农业银行南昌分行", "江西银行",
          "九江银行南昌分行", "南昌农村商业银行", "赣州银行南昌分行")
_MERCHANTS = ("国美电器南昌八一店", "苏宁易购南昌中山路店", "南昌万达广场华为授权店",
              "小米之家南昌红谷滩店", "南昌百货大楼家电部")
_GOODS = (("华为 Mate 手机", Decimal("5999.00")), ("小米电视 65英寸", Decimal("3999.00")),
          ("格力空调 1.5匹", Decimal("3299.00")), ("海尔冰箱", Decimal("2899.00")),
          ("联想笔记本电脑", Decimal("4999.00")), ("美的洗衣机", Decimal("1999.00")),
          ("戴森吸尘器", Decimal("2490.00")), ("iPad 平板电脑", Decimal("3599.00")))
_PURPOSES_PERSONAL = ("consumption", "education", "medical", "home_renovation", "travel", "other")
_PURPOSES_BUSINESS = ("working_capital", "inventory", "equipment")
_PURPOSE_DETAILS = ("购买婚庆用品", "子女留学预备金", "家庭装修补充资金", "购置家用汽车首付")
_CHANNELS = ("auto_debit", "auto_debit", "auto_debit", "bank_transfer", "wechat_pay", "alipay",
             "counter")

# ------------------------------------------------------------------ organisation

DEPARTMENTS: tuple[DemoDepartment, ...] = (
    DemoDepartment("HQ", "总部", None, "CN"),
    DemoDepartment("BIZ1", "业务一部", "HQ", "CN"),
    DemoDepartment("BIZ2", "业务二部", "HQ", "CN"),
    DemoDepartment("RISK", "风控部", "HQ", "CN"),
    DemoDepartment("FIN", "财务部", "HQ", "CN"),
    DemoDepartment("COLL", "催收部", "HQ", "CN"),
    DemoDepartment("JX-NC", "南昌分公司", "HQ", "CN-JX"),
    DemoDepartment("HK", "香港分公司", "HQ", "HK"),
)
"""The demo organisation (``HQ`` is the marker the loader looks for)."""

MARKER_DEPARTMENT = "HQ"

STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("E0001", "王建国", "HQ", "CN", "总经理", ("management",), 0, "admin"),
    DemoStaff("E0002", "李秀英", "BIZ1", "CN", "业务经理", ("loan_officer", "management"), 80,
              "manager"),
    DemoStaff("E0003", "张伟", "RISK", "CN", "风控经理", ("credit_review",), 60, "risk"),
    DemoStaff("E0004", "刘洋", "FIN", "CN", "财务主管", ("accounting",), 0, "finance"),
    DemoStaff("E0005", "陈静", "COLL", "CN", "催收专员", ("sms", "phone_collection"), 120,
              "collector"),
    DemoStaff("E0006", "杨磊", "HQ", "CN", "稽核专员", ("audit",), 0, "auditor"),
    DemoStaff("E0101", "黄海涛", "BIZ1", "CN", "客户经理", ("loan_officer",), 60),
    DemoStaff("E0102", "赵丽娟", "BIZ1", "CN", "客户经理", ("loan_officer",), 60),
    DemoStaff("E0201", "吴志强", "BIZ2", "CN", "业务二部经理", ("loan_officer", "management"), 40),
    DemoStaff("E0202", "周敏", "BIZ2", "CN", "客户经理", ("loan_officer",), 40),
    DemoStaff("E0301", "徐凯", "RISK", "CN", "审批专员", ("credit_review",), 60),
    DemoStaff("E0501", "孙晓明", "COLL", "CN", "电催专员", ("phone_collection",), 150),
    DemoStaff("E0502", "马俊", "COLL", "CN-JX", "外访专员", ("field_visit",), 60),
    DemoStaff("E0503", "朱红梅", "COLL", "CN", "法务专员", ("legal",), 40),
    DemoStaff("E0601", "胡斌", "JX-NC", "CN-JX", "南昌分公司经理", ("loan_officer", "management"),
              40),
    DemoStaff("E0602", "郭燕", "JX-NC", "CN-JX", "客户经理", ("loan_officer",), 60),
    DemoStaff("E0701", "何嘉欣", "HK", "HK", "客戶經理", ("loan_officer",), 60),
)

# Product mix of the seed configuration (other products weigh 1.0).
PRODUCT_WEIGHTS: Mapping[str, float] = {
    "consumer_emi": 8.0,
    "installment_flat": 3.5,
    "revolving_credit_line": 3.0,
    "business_equal_principal": 3.0,
    "business_interest_only": 1.5,
    "bridge_bullet": 0.8,
    "entrusted_loan": 0.7,
    "hk_personal_loan": 1.5,
}

# ------------------------------------------------------------------ helpers


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(["lowlend-demo", str(seed), *map(str, parts)]))


def _money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(_CENT)


def _at(day: date, rng: random.Random, hour_from: int = 9, hour_to: int = 17) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(rng.randint(hour_from, hour_to - 1),
                                             rng.randint(0, 59), rng.randint(0, 59)), _SH_TZ)
    return local.astimezone(dt.UTC)


def _department_for(product: ProductSpec) -> str:
    if product.region == "CN-JX":
        return "JX-NC"
    if product.region == "HK":
        return "HK"
    if product.kind is LoanKind.ENTRUSTED or product.amount.min >= Decimal("100000"):
        return "BIZ2"
    return "BIZ1"


def _is_enterprise_product(product: ProductSpec) -> bool:
    return product.region != "HK" and (
        product.kind is LoanKind.ENTRUSTED or product.amount.min >= Decimal("100000")
    )


def _market(region: str) -> str:
    return "HK" if region == "HK" else "CN"


def _officers(department: str) -> list[str]:
    found = [s.employee_no for s in STAFF if s.department_code == department
             and "loan_officer" in s.skills]
    return found or ["E0002"]


def _person_name(rng: random.Random, male: bool) -> str:
    given = _GIVEN_MALE if male else _GIVEN_FEMALE
    surname = rng.choice(_SURNAMES)
    n = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(given) for _ in range(n))


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _resident_id(rng: random.Random, area: tuple[Any, ...], male: bool) -> tuple[str, date]:
    first = max(1966, area[4] or 1966)
    last = min(2001, area[5] or 2001)
    year = rng.randint(first, last)
    birth = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{area[0]}{birth:%Y%m%d}{seq:03d}"
    return body + resident_id_check_digit(body), birth


def _uscc(rng: random.Random, area_code: str, individual_business: bool) -> str:
    org = f"{rng.randrange(10**8):08d}"
    org += org_code_check_char(org)
    body = ("92" if individual_business else "91") + area_code + org
    return body + uscc_check_char(body)


def _hkid(rng: random.Random) -> str:
    body = rng.choice("ACDEGHKPRVYZ") + f"{rng.randrange(10**6):06d}"
    return f"{body}({hkid_check_digit(body)})"


def _bank_card(rng: random.Random) -> str:
    digits = [int(c) for c in rng.choice(("622848", "621700", "622202", "623058"))]
    digits += [rng.randrange(10) for _ in range(18 - len(digits))]
    total = 0
    for i, d in enumerate(reversed(digits)):  # Luhn: double every second digit from the check
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _dict_codes(registry: Any, code: str, fallback: Sequence[str]) -> tuple[str, ...]:
    spec = getattr(registry, "dictionaries", {}).get(code)
    if spec is None:
        return tuple(fallback)
    return tuple(i.code for i in spec.items if i.active) or tuple(fallback)


def _dpd_ranges(registry: Any) -> tuple[tuple[int | None, str], ...]:
    eod = getattr(registry, "eod", None)
    for step in getattr(eod, "steps", ()) if eod is not None else ():
        if step.code is EodStepCode.CLASSIFY:
            ranges = step.params.get("dpd_ranges") if step.params else None
            if ranges:
                return tuple((r.get("max_dpd"), str(r["category"])) for r in ranges)
    return DEFAULT_DPD_RANGES


def classify(dpd: int, ranges: Sequence[tuple[int | None, str]] = DEFAULT_DPD_RANGES) -> str:
    """Five-category classification of ``dpd`` days past due (first range it fits)."""
    for max_dpd, category in ranges:
        if max_dpd is None or dpd <= max_dpd:
            return category
    return ranges[-1][1]


# ------------------------------------------------------------------ customers


def _individual(seed: int, ref: str, market: str, department: str, owner: str | None,
                created: date) -> DemoCustomer:
    rng = _rng(seed, "customer", ref)
    male = rng.random() < 0.55
    name = _person_name(rng, male)
    if market == "HK":
        return DemoCustomer(
            ref=ref, kind="individual", name=name, id_type="hkid", id_number=_hkid(rng),
            phone=f"+852 {rng.choice('569')}{rng.randrange(10**3):03d} {rng.randrange(10**4):04d}",
            region="HK", department_code=department, owner_employee_no=owner,
            created_at=_at(created, rng),
            custom={"gender": "male" if male else "female",
                    "address": f"香港九龍{rng.choice(_HK_STREETS)}{rng.randint(1, 400)}號"},
        )
    area = rng.choice(_AREAS_JX) if rng.random() < 0.8 else rng.choice(_AREAS_OTHER)
    number, birth = _resident_id(rng, area, male)
    region = "CN-JX" if area[0].startswith("36") else "CN"
    city = "" if area[1] == area[2] else area[2]
    return DemoCustomer(
        ref=ref, kind="individual", name=name, id_type="resident_id", id_number=number,
        phone=_mobile(rng), region=region, department_code=department, owner_employee_no=owner,
        created_at=_at(created, rng),
        custom={
            "gender": "male" if male else "female",
            "birth_date": birth.isoformat(),
            "education": rng.choice(("senior_high", "college", "bachelor", "bachelor",
                                     "postgraduate", "junior_high")),
            "marital_status": rng.choice(("single", "married", "married", "married", "divorced")),
            "address": f"{area[1]}{city}{area[3]}{rng.choice(_STREETS)}{rng.randint(1, 999)}号",
        },
    )


def _enterprise(seed: int, k: int, created: date) -> DemoCustomer:
    rng = _rng(seed, "enterprise", k)
    area = rng.choice(_AREAS_JX[:7])  # 南昌
    industry = rng.choice(sorted(_INDUSTRY_WORDS))
    brand = _BRANDS[(k * 7 + rng.randrange(len(_BRANDS))) % len(_BRANDS)]
    name = f"{area[2]}{brand}{rng.choice(_INDUSTRY_WORDS[industry])}有限公司"
    legal = _person_name(rng, rng.random() < 0.7)
    return DemoCustomer(
        ref=f"S{seed}-E{k:03d}", kind="enterprise", name=name, id_type="unified_credit_code",
        id_number=_uscc(rng, area[0], False), phone=f"0791-8{rng.randrange(10**6):06d}",
        region="CN", department_code="BIZ2", owner_employee_no=rng.choice(_officers("BIZ2")),
        created_at=_at(created, rng),
        custom={
            "legal_representative": legal,
            "industry": industry,
            "registered_capital": str(_money(rng.choice((100, 200, 500, 1000, 2000)) * 10000)),
            "established_on": date(rng.randint(2005, 2020), rng.randint(1, 12), 1).isoformat(),
            "address": f"{area[1]}{area[2]}{area[3]}{rng.choice(_STREETS)}{rng.randint(1, 999)}号",
        },
    )


ENTERPRISE_POOL = 8

# ------------------------------------------------------------------ product choices


def _choose_amount(rng: random.Random, product: ProductSpec) -> Decimal:
    lo, hi = product.amount.min, product.amount.max
    if product.revolving is not None:
        lo = max(lo, product.revolving.draw_min)
    default = product.amount.default or (lo + hi) / 2
    raw = float(default) * math.exp(rng.gauss(0.0, 0.55))
    step = 100 if default < 50000 else 1000 if default < 500000 else 10000
    value = Decimal(round(raw / step) * step)
    return _money(min(max(value, lo), hi))


def _choose_term(rng: random.Random, product: ProductSpec) -> int:
    lo, hi = product.term.min, product.term.max
    if product.repayment.frequency is Frequency.MONTHLY:
        choices = [t for t in (3, 6, 6, 9, 12, 12, 12, 18, 24, 24, 36) if lo <= t <= hi]
    else:
        choices = list(range(lo, hi + 1))
    if product.term.default is not None:
        choices += [product.term.default] * 2
    return rng.choice(choices or [lo])


def _choose_rate(rng: random.Random, product: ProductSpec) -> Decimal:
    r = product.interest.annual_rate
    base = r.default if r.default is not None else (r.min + r.max) / 2
    options = [base + Decimal("0.006") * k for k in (-3, -2, -1, 0, 0, 0, 1, 2)]
    options = [o for o in options if r.min <= o <= r.max] or [base]
    return rng.choice(options).quantize(_RATE_Q)


def _condition_holds(expr: str, values: Mapping[str, Any]) -> bool | None:
    m = re.fullmatch(r"\s*application\.custom\.(\w+)\s*==\s*'([^']*)'\s*", expr)
    if m is None:
        return None
    return values.get(m.group(1)) == m.group(2)


def _custom_values(rng: random.Random, registry: Any, product: ProductSpec,
                   customer: DemoCustomer, amount: Decimal, start: date) -> dict[str, Any]:
    values: dict[str, Any] = {}
    enterprise = customer.kind == "enterprise"
    for f in product.custom_fields:
        if f.kind in (FieldKind.REFERENCE, FieldKind.FILE):
            continue
        if f.visible_if:
            holds = _condition_holds(f.visible_if, values)
            if not holds:
                continue
        value = _field_value(rng, registry, f, product, customer, amount, start, enterprise)
        if value is not None:
            values[f.code] = value
    return values


def _field_value(rng: random.Random, registry: Any, f: FieldSpec, product: ProductSpec,
                 customer: DemoCustomer, amount: Decimal, start: date,
                 enterprise: bool) -> Any:
    code = f.code
    if code == "employer":
        return rng.choice(_HK_EMPLOYERS if customer.region == "HK" else _EMPLOYERS)
    if code == "monthly_income":
        base = 18000 if customer.region == "HK" else 6000
        return str(_money(int(base * math.exp(rng.gauss(0, 0.45)) / 100) * 100))
    if code == "purpose":
        allowed = _dict_codes(registry, f.dictionary or "loan_purpose", _PURPOSES_PERSONAL)
        wanted = _PURPOSES_BUSINESS if enterprise or "business" in product.code else (
            _PURPOSES_PERSONAL)
        pick = [p for p in wanted if p in allowed] or list(allowed)
        return rng.choice(pick)
    if code == "purpose_detail":
        return rng.choice(_PURPOSE_DETAILS)
    if code == "business_name":
        if enterprise:
            return customer.name
        return f"{customer.custom.get('address', '')[:6]}{customer.name[0]}记{rng.choice(('商行', '小吃店', '五金店', '服装店', '超市'))}"
    if code == "unified_credit_code":
        if customer.id_type == "unified_credit_code":
            return customer.id_number
        return _uscc(rng, customer.id_number[:6] if customer.id_number[:6].isdigit() else "360121",
                     True)
    if code == "industry":
        if enterprise and customer.custom.get("industry"):
            return customer.custom["industry"]
        return rng.choice(_dict_codes(registry, f.dictionary or "industry", ("F",)))
    if code == "annual_revenue":
        return str(_money(amount * Decimal(rng.randint(3, 12))))
    if code == "years_in_business":
        return rng.randint(1, 20)
    if code == "collateral_type":
        codes = _dict_codes(registry, f.dictionary or "collateral_type", ("unsecured",))
        return rng.choice([c for c in codes if c in ("unsecured", "guarantee")] or list(codes))
    if code == "bank_name":
        return rng.choice(_BANKS)
    if code == "bank_approval_date":
        return (start - timedelta(days=rng.randint(3, 20))).isoformat()
    if code == "merchant_name":
        return rng.choice(_MERCHANTS)
    if code == "entrustment_contract_no":
        return f"WT{start.year}{rng.randrange(10**5):05d}"
    if code == "hkid_verified":
        return True
    if code == "auto_debit_card":
        return _bank_card(rng)
    if f.kind is FieldKind.CHILD_TABLE and code == "goods":
        rows: list[dict[str, Any]] = []
        left = amount
        while left > 0 and len(rows) < 4:
            name, price = rng.choice(_GOODS)
            qty = max(1, min(3, int(left // price)))
            price = min(price, left) if len(rows) == 3 or left < price else price
            rows.append({"name": name, "price": str(_money(price)), "quantity": qty})
            left -= price * qty
        return rows
    return _generic_value(rng, registry, f, start)


def _generic_value(rng: random.Random, registry: Any, f: FieldSpec, start: date) -> Any:
    kind = f.kind
    if kind is FieldKind.TEXT:
        return f"示例{f.label.zh_CN}"[: f.max_length or 100] if f.required else None
    if kind is FieldKind.MONEY:
        low = f.min if f.min is not None else Decimal("1000.00")
        return str(_money(max(low, Decimal("1000.00"))))
    if kind is FieldKind.INT:
        return int(f.min) if f.min is not None else 1
    if kind is FieldKind.RATE:
        return "0.010000"
    if kind is FieldKind.DATE:
        return start.isoformat()
    if kind is FieldKind.DATETIME:
        return dt.datetime.combine(start, dt.time(10, 0)).isoformat()
    if kind is FieldKind.BOOL:
        return True
    if kind is FieldKind.ENUM and f.dictionary:
        codes = _dict_codes(registry, f.dictionary, ())
        return rng.choice(codes) if codes else None
    return None


# ------------------------------------------------------------------ loans


def _repayments(rng: random.Random, ref: str, schedule: Schedule, fees: FeeSchedule | None,
                business_date: date, behaviour: str) -> list[Repayment]:
    rows = [r for r in schedule.installments if r.due_date < business_date]
    txns: list[Repayment] = []

    def pay(value_date: date, amount: Decimal) -> None:
        if amount > 0:
            txns.append(Repayment(f"{ref}-R{len(txns) + 1:03d}", value_date, amount))

    stop = len(rows)
    if behaviour == "delinquent" and rows:
        stop = rng.randrange(len(rows))
    for r in rows[:stop]:
        if behaviour == "on_time":
            early = rng.choice((0, 0, 0, 0, 1, 2))
            on = max(schedule.terms.start, r.due_date - timedelta(days=early))
            if not txns or on > txns[-1].value_date:
                pay(on, r.total)
                continue
        delay = rng.choice((0, 0, 1, 2, 4, 7, 12, 20)) if behaviour == "late" else 0
        on = min(r.due_date + timedelta(days=delay), business_date - timedelta(days=1))
        if txns and on <= txns[-1].value_date:
            on = txns[-1].value_date + timedelta(days=1)
            if on >= business_date:
                break
        if delay == 0 and on == r.due_date:
            pay(on, r.total)  # nothing in arrears: every earlier payment cleared its dues
            continue
        state = replay(schedule, txns, on, fees)
        pay(on, sum((s.total_outstanding for s in state.installments if s.due_date <= on),
                    Decimal(0)))
    if behaviour == "delinquent" and stop < len(rows) and rng.random() < 0.4:
        r = rows[stop]
        on = min(r.due_date + timedelta(days=rng.randint(3, 25)), business_date - timedelta(days=1))
        if not txns or on > txns[-1].value_date:
            pay(on, _money(r.total * Decimal(rng.randint(20, 70)) / 100))
    return txns


def _instalments(state: LoanState, schedule: Schedule, txns: Sequence[Repayment],
                 business_date: date) -> tuple[DemoInstalment, ...]:
    paid_on: dict[int, date] = {}
    dates = {t.txn_id: t.value_date for t in txns}
    for line in state.lines:
        day = dates[line.txn_id]
        paid_on[line.seq] = max(day, paid_on.get(line.seq, day))
    out = []
    for s in state.installments:
        if s.is_settled:
            status = "paid"
        elif s.due_date < business_date:
            status = "overdue"
        elif s.due_date == business_date:
            status = "due"
        else:
            status = "pending"
        out.append(DemoInstalment(
            seq=s.seq, due_date=s.due_date, principal=_money(s.principal),
            interest=_money(s.interest), fee=_money(s.fee), penalty=_money(s.penalty),
            principal_paid=_money(s.principal_paid), interest_paid=_money(s.interest_paid),
            fee_paid=_money(s.fee_paid), penalty_paid=_money(s.penalty_paid),
            status=status, paid_off_on=paid_on.get(s.seq) if status == "paid" else None,
        ))
    return tuple(out)


def _transactions(ref: str, schedule: Schedule, charges: Sequence[FeeCharge],
                  txns: Sequence[Repayment], state: LoanState, channel: str
                  ) -> tuple[DemoTransaction, ...]:
    terms = schedule.terms
    upfront = [c for c in charges if c.seq is None]
    upfront_total = sum((c.amount for c in upfront), Decimal(0))
    out = [DemoTransaction(
        ref=f"{ref}-D", type="disbursement", value_date=terms.start, amount=terms.amount,
        currency=terms.currency,
        allocation={
            "net_proceeds": str(terms.amount - upfront_total),
            "upfront_fees": [{"code": c.code, "party": c.party.value, "amount": str(c.amount)}
                             for c in upfront],
        },
    )]
    by_txn: dict[str, list[dict[str, Any]]] = {}
    for line in state.lines:
        by_txn.setdefault(line.txn_id, []).append(
            {"seq": line.seq, "component": line.component.value, "amount": str(line.amount)})
    for t in txns:
        lines = by_txn.get(t.txn_id, [])
        allocated = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
        out.append(DemoTransaction(
            ref=t.txn_id, type="repayment", value_date=t.value_date, amount=t.amount,
            currency=terms.currency,
            allocation={"channel": channel, "lines": lines,
                        "unallocated": str(t.amount - allocated)},
        ))
    return tuple(out)


@dataclass
class _Builder:
    registry: Any
    seed: int
    business_date: date
    customers: dict[str, DemoCustomer] = field(default_factory=dict)
    by_market: dict[str, list[str]] = field(default_factory=dict)
    enterprises: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for k in range(ENTERPRISE_POOL):
            created = date(2025, 1, 2) + timedelta(days=17 * k)
            c = _enterprise(self.seed, k, created)
            self.customers[c.ref] = c
            self.enterprises.append(c.ref)

    def customer_for(self, rng: random.Random, product: ProductSpec, ref: str,
                     created: date) -> DemoCustomer:
        if _is_enterprise_product(product):
            return self.customers[rng.choice(self.enterprises)]
        market = _market(product.region)
        existing = self.by_market.setdefault(market, [])
        if existing and rng.random() < 0.18:
            return self.customers[rng.choice(existing)]
        department = _department_for(product)
        c = _individual(self.seed, ref, market, department, rng.choice(_officers(department)),
                        created)
        self.customers[c.ref] = c
        existing.append(c.ref)
        return c


def _products(registry: Any, business_date: date) -> list[tuple[ProductSpec, float]]:
    out = []
    for code in sorted(registry.products):
        p = registry.products[code]
        first, last = _window(p, business_date)
        if first <= last and p.fee_schedule in registry.fee_schedules:
            out.append((p, PRODUCT_WEIGHTS.get(code, 1.0)))
    return out


def _window(product: ProductSpec, business_date: date) -> tuple[date, date]:
    first = max(product.valid_from or date.min, business_date - timedelta(days=720))
    last = business_date - timedelta(days=1)
    if product.valid_to is not None:
        last = min(last, product.valid_to)
    return first, last


def _loan(b: _Builder, i: int, products: list[tuple[ProductSpec, float]],
          ranges: Sequence[tuple[int | None, str]]
          ) -> tuple[DemoLoan, DemoApplication, DemoCustomer]:
    rng = _rng(b.seed, "loan", i)
    product = rng.choices([p for p, _ in products], weights=[w for _, w in products])[0]
    first, last = _window(product, b.business_date)
    span = (last - first).days
    start = last - timedelta(days=int(span * rng.random() ** 1.4))
    ref = f"S{b.seed}-L{i:06d}"
    customer = b.customer_for(rng, product, f"S{b.seed}-C{i:06d}",
                              start - timedelta(days=rng.randint(2, 30)))
    amount = _choose_amount(rng, product)
    term = _choose_term(rng, product)
    rate = _choose_rate(rng, product)
    fee_spec = b.registry.fee_schedules[product.fee_schedule]
    terms = loan_terms_for(product, fee_spec, amount=amount, term=term, annual_rate=rate,
                           start=start)
    fees = fee_schedule_for(fee_spec)
    schedule, charges = apply_fees(build_schedule(terms), fees)
    roll = rng.random()
    behaviour = "on_time" if roll < 0.68 else "late" if roll < 0.84 else "delinquent"
    txns = _repayments(rng, ref, schedule, fees, b.business_date, behaviour)
    state = replay(schedule, txns, b.business_date, fees)
    dpd = state.days_past_due()
    if state.is_closed:
        status = "closed"
    elif dpd > 0:
        status = "overdue"
    else:
        status = "active"
    department = _department_for(product)
    owner = customer.owner_employee_no if customer.department_code == department else (
        rng.choice(_officers(department)))
    channel = rng.choice(_CHANNELS)
    submitted = _at(start - timedelta(days=rng.randint(3, 12)), rng)
    decided = _at(start - timedelta(days=rng.randint(0, 2)), rng, 14, 18)
    if decided < submitted:
        decided = submitted + timedelta(hours=2)
    app = DemoApplication(
        ref=f"S{b.seed}-A{i:06d}", customer_ref=customer.ref, product_code=product.code,
        amount=amount, currency=product.currency, term=term, rate=rate, status="disbursed",
        department_code=department, owner_employee_no=owner,
        created_at=submitted - timedelta(minutes=rng.randint(5, 90)), submitted_at=submitted,
        decided_at=decided,
        custom=_custom_values(rng, b.registry, product, customer, amount, start),
    )
    loan = DemoLoan(
        ref=ref, application_ref=app.ref, customer_ref=customer.ref, product_code=product.code,
        kind=product.kind.value, principal=amount, annual_rate=rate, currency=product.currency,
        term=term, status=status, disbursed_on=start, maturity_date=schedule.maturity,
        last_closed_business_date=b.business_date - timedelta(days=1), dpd=dpd,
        classification=classify(dpd, ranges), department_code=department,
        owner_employee_no=owner,
        terms_snapshot=snapshot_of(terms, fees, product_label=product.label.zh_CN,
                                   config_content_hash=getattr(b.registry, "content_hash", None),
                                   upfront_fees=str(sum((c.amount for c in charges
                                                         if c.seq is None), Decimal(0)))),
        instalments=_instalments(state, schedule, txns, b.business_date),
        transactions=_transactions(ref, schedule, charges, txns, state, channel),
        behaviour=behaviour,
    )
    return loan, app, customer


def _open_application(b: _Builder, j: int, products: list[tuple[ProductSpec, float]]
                      ) -> tuple[DemoApplication, DemoCustomer]:
    rng = _rng(b.seed, "application", j)
    open_statuses = APPLICATION_STATUSES[:-1]
    status = open_statuses[j] if j < len(open_statuses) else rng.choices(
        open_statuses, weights=(2, 3, 4, 1, 2, 3, 1))[0]
    usable = [(p, w) for p, w in products if _window(p, b.business_date)[1] >= b.business_date
              - timedelta(days=1)] or products
    product = rng.choices([p for p, _ in usable], weights=[w for _, w in usable])[0]
    created = b.business_date - timedelta(days=rng.randint(0, 45))
    customer = b.customer_for(rng, product, f"S{b.seed}-P{j:06d}", created)
    amount = _choose_amount(rng, product)
    term = _choose_term(rng, product)
    rate = _choose_rate(rng, product)
    department = _department_for(product)
    created_at = _at(created, rng)
    submitted_at = None if status == "draft" else created_at + timedelta(minutes=rng.randint(10,
                                                                                         600))
    decided_at = None
    if status in ("returned", "approved", "rejected"):
        assert submitted_at is not None
        decided_at = submitted_at + timedelta(hours=rng.randint(2, 60))
    app = DemoApplication(
        ref=f"S{b.seed}-Q{j:06d}", customer_ref=customer.ref, product_code=product.code,
        amount=amount, currency=product.currency, term=term, rate=rate, status=status,
        department_code=department, owner_employee_no=customer.owner_employee_no
        if customer.department_code == department else rng.choice(_officers(department)),
        created_at=created_at, submitted_at=submitted_at, decided_at=decided_at,
        custom=_custom_values(rng, b.registry, product, customer, amount, created),
    )
    return app, customer


def open_application_count(loans: int) -> int:
    """How many applications without a loan the data set has for ``loans`` loans."""
    return max(2 * (len(APPLICATION_STATUSES) - 1), loans // 4)


def generate_demo_data(
    registry: Any,
    *,
    loans: int = DEFAULT_LOANS,
    seed: int = DEFAULT_SEED,
    business_date: date = DEFAULT_BUSINESS_DATE,
) -> DemoDataSet:
    """Generate the demo data set for ``registry`` (a :class:`~lowlend.spec.SpecRegistry`).

    :param loans: number of loans (``0`` gives the organisation, customers and
        open applications only).
    :param seed: random seed; the data set is a pure function of its arguments.
    :param business_date: the date the portfolio is "as of" (loans are disbursed
        in the two years before it; penalties and DPD are computed up to it).
    :raises ValueError: ``loans`` negative, or no product of the registry usable
        in the two years before ``business_date``.
    """
    if loans < 0:
        raise ValueError("loans must be >= 0")
    products = _products(registry, business_date)
    if not products:
        raise ValueError("no product of the configuration is valid before the business date")
    ranges = _dpd_ranges(registry)
    b = _Builder(registry, seed, business_date)
    loan_rows: list[DemoLoan] = []
    apps: list[DemoApplication] = []
    for i in range(loans):
        loan, app, _ = _loan(b, i, products, ranges)
        loan_rows.append(loan)
        apps.append(app)
    for j in range(open_application_count(loans)):
        app, _ = _open_application(b, j, products)
        apps.append(app)
    used = {a.customer_ref for a in apps} | set(b.enterprises)
    customers = tuple(c for ref, c in b.customers.items() if ref in used)
    return DemoDataSet(
        seed=seed,
        business_date=business_date,
        departments=DEPARTMENTS,
        staff=STAFF,
        customers=customers,
        applications=tuple(apps),
        loans=tuple(loan_rows),
    )




