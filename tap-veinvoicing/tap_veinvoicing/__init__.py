"""Singer tap for the Ve Interactive Invoicing API."""
