"""Report builders, one module per family; the registry is forecasting.selectors."""
