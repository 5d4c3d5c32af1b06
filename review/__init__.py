"""The findings store (SQLAlchemy, Alembic) and the inspectors' review web app.

Runs, findings and dispositions are kept in separate tables so that recording a rerun can never
overwrite what an inspector decided; every review action goes to a hash-chained audit trail.
"""
