"""Department tree: materialised paths and subtree scoping."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lowlend.persistence import migrate
from lowlend.persistence.engine import make_engine
from lowlend.persistence.models import ConfigVersion, Customer, Department, Loan
from lowlend.persistence.org import in_subtree, move_department


def test_paths_and_subtree(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            hq = Department(code="hq", name="总部")
            east = Department(code="east", name="华东", parent=hq)
            shanghai = Department(code="sh", name="上海", parent=east)
            west = Department(code="west", name="西部", parent=hq)
            session.add_all([hq, east, shanghai, west])
            session.flush()
            assert hq.path == f"/{hq.id}/"
            assert shanghai.path == f"/{hq.id}/{east.id}/{shanghai.id}/"
            version = ConfigVersion(number=1, content_hash="h", bundle="{}", author="a")
            customer = Customer(name="李四", id_type="resident_id", id_number_hash="x")
            session.add_all([version, customer])
            session.flush()
            for dept in (shanghai, west):
                session.add(
                    Loan(
                        customer_id=customer.id,
                        product_code="cash",
                        config_version_id=version.id,
                        principal=Decimal("100.00"),
                        annual_rate=Decimal("0.1"),
                        department_id=dept.id,
                    )
                )
            session.flush()
            in_east = session.scalars(
                sa.select(Loan).where(in_subtree(Loan.department_id, east.path))
            ).all()
            assert [loan.department_id for loan in in_east] == [shanghai.id]
            move_department(session, east, west)
            assert shanghai.path == f"/{hq.id}/{west.id}/{east.id}/{shanghai.id}/"
            hq_id, west_id = hq.id, west.id
            session.commit()
        with Session(engine) as session:
            stored = session.scalars(sa.select(Department).where(Department.code == "sh")).one()
            assert stored.path.count("/") == 5
            west_loans = session.scalars(
                sa.select(Loan).where(in_subtree(Loan.department_id, f"/{hq_id}/{west_id}/"))
            ).all()
            assert len(west_loans) == 2
            with pytest.raises(ValueError):
                move_department(session, session.get(Department, west_id), stored)
    finally:
        engine.dispose()
