-- Door staff: accounts of one organization that check tickets in at its events.
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check CHECK (role IN ('buyer', 'partner', 'staff', 'admin'));
ALTER TABLE accounts DROP CONSTRAINT accounts_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_organization_check CHECK ((role IN ('partner', 'staff')) = (organization_id IS NOT NULL));
