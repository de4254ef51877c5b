"""Kring tests: pytest with Litestar's test client; browser/ drives Chromium with Playwright."""
