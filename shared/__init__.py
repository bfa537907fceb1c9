"""What every service of the suite uses: contracts, bus, outbox, Mongo, settings, tracing, auth, errors, calendars."""
