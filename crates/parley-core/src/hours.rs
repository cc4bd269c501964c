//! Business hours: weekly opening times in a time zone, with holidays.
