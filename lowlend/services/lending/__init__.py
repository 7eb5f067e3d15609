"""The lending use cases (customers, applications, loans, ledger, end of day, collections).

Each module holds use cases that run in one unit of work; views, REST APIs, CLI commands
and tasks parse input, call one use case and map its errors (see ARCHITECTURE.md,
"Where the lending work lives").
"""
