"""lowlend.domain: pure loan rules (standard library only; numpy only in ``vectorized``).

Modules (each small, named for what it holds):

* ``conventions`` enums (YAML codes) · ``errors`` ``DomainError`` / ``LoanInputError`` /
  ``NoSolutionError`` / ``LoanStateError`` (stable ``code`` + ``field``)
* ``money`` ``Rounding`` (mode, minor unit, installment multiple) · ``daycount`` year
  fractions · ``calendar`` anchored due dates, ``FirstDue`` · ``interest`` exact interest,
  annuity
* ``terms`` ``LoanTerms`` (+ ``Grace``, ``PenaltyTerms``, ``AllocationRule``,
  ``PrepaymentTerms``) · ``schedule`` ``build_schedule`` · ``fees`` ``FeeRule`` /
  ``FeeSchedule`` / ``apply_fees``
* ``apr`` IRR / XIRR / ``annualise`` · ``compliance`` ``RateCap`` / ``check_rate_caps`` ·
  ``quote`` ``build_quote`` / ``quote_to_json``
* ``accrual`` · ``penalties`` · ``allocation`` · ``transactions`` · ``loan_state`` ·
  ``replay`` (reverse-replay) · ``reschedule`` · ``prepayment`` (payoff quotes)
* ``revolving`` credit lines · ``entrusted`` collection splits · ``vectorized`` numpy
  portfolio path (integer minor units; a package, the only place numpy is used)
"""
