-- Venues and events belong to an organization (a partner token's `org`
-- claim), no longer to the organizer's own token subject.
COMMENT ON COLUMN venues.owner_id IS 'organization id (partner token claim org) that manages the venue; an admin''s subject for admin-created venues';
COMMENT ON COLUMN events.owner_id IS 'organization id of the venue''s owner';
