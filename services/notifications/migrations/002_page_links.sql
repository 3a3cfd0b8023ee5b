-- The web page a message sends its reader to (booking-confirmed: the
-- booking's page, where the buyer logs in and downloads the tickets). The
-- email links here rather than to the API's PDF, which needs a bearer token
-- a mail client does not have; `link` stays the API resource for the inbox.
ALTER TABLE notifications ADD COLUMN page_link text;
