"""Pages of the booking app: the demo retailer's hosted checkout (``shopper``)."""
