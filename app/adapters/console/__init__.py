"""The practitioner's web console: server-rendered pages over the application use cases,
a second driving adapter beside the JSON API, mounted at ``/console``."""
