"""Events and community programmes: calendar, registration, school visits,
the kiosk's events panel and the visitor survey."""
