"""The governance API (DRF views); routes in governance/api_urls.py."""
