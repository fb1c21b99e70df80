"""`python -m seed_assets.cli`."""

from seed_assets.cli import main

main()
