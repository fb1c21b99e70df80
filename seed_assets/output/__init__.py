"""Non-SQL targets with the writer interface of ``seed_assets.sql.target.Target``."""
