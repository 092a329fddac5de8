"""`make bench`: the performance figures each issue asks for, printed and written to JSON.

Benchmarks run on a throw-away test database (SQLite by default, PostgreSQL when DATABASE_URL
names one), never on the development or production data.
"""
