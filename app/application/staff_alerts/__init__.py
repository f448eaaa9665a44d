"""Staff alerts: the owner and the staff who opted in are told what needs them."""
