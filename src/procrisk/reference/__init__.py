"""Versioned reference data shipped with procrisk (countries, currencies, CPV, sector tiers, ILAB, TIP)."""
