"""Local emulators of the Invoca Transactions API and the Ve Invoicing API."""
