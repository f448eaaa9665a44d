-- 0001 identity: roles
--
-- What: the roles table and its four rows (owner, assistant, editor, client).
-- Why: access control is role per endpoint; user_roles (next migrations) refers to
--      these codes, so they exist from the very first migration.
-- rollback note: DROP TABLE roles; -- only while no other table references it.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE roles (
    code text PRIMARY KEY,
    title text NOT NULL,
    CONSTRAINT roles_code_check CHECK (code ~ '^[a-z][a-z_]{1,31}$')
);

COMMENT ON TABLE roles IS 'P0. Access-control roles; staff roles are owner, assistant, editor, clients have client.';
COMMENT ON COLUMN roles.code IS 'P0. Stable machine code referenced by user_roles and by the code.';
COMMENT ON COLUMN roles.title IS 'P0. Human-readable name shown in the admin UI.';

INSERT INTO roles (code, title) VALUES
    ('owner', 'Владелец практики'),
    ('assistant', 'Ассистент'),
    ('editor', 'Редактор'),
    ('client', 'Клиент')
ON CONFLICT DO NOTHING;
