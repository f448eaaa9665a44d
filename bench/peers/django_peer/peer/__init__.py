"""The Django + Django REST Framework peer of S1 and S2 (see bench/peers/compare.py)."""
