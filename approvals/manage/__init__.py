"""The tenant admin area (/manage/), one package for every app it configures: approval workflows
and groups, people and delegates, order properties, notifications, the catalog offering, the
dashboard. Each page calls the services of the app it configures."""
