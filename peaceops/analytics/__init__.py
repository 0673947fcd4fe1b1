"""Pure functions and estimators: forecasting now; assessment, coordination, transition later."""
