"""The gateway adapter: the only code that speaks HTTP to Midtrans."""
