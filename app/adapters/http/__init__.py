"""HTTP adapter: the Litestar application, controllers and the error mapping."""
