"""Singer tap for the Invoca Transactions API."""
