-- The contact's email, kept by agents (WhatsApp never sends one).
ALTER TABLE contacts ADD COLUMN email TEXT;
