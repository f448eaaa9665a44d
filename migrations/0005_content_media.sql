-- 0005 content: media assets and their use in content
--
-- What: stored media (images, audio, video, files) and the link to content items
--       with a role (cover, inline, attachment) and an order.
-- Why:  content is shown with its cover and attachments; one asset may be reused.
-- rollback note: DROP TABLE content_media, media_assets; -- the files in storage stay.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE media_assets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL,
    storage_key text NOT NULL,
    url text NOT NULL,
    mime_type text NOT NULL,
    size_bytes bigint NOT NULL,
    width integer,
    height integer,
    alt_text text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT media_assets_storage_key_key UNIQUE (storage_key),
    CONSTRAINT media_assets_kind_check CHECK (kind IN ('image', 'audio', 'video', 'file')),
    CONSTRAINT media_assets_size_bytes_check CHECK (size_bytes >= 0),
    CONSTRAINT media_assets_dimensions_check CHECK ((width IS NULL OR width > 0) AND (height IS NULL OR height > 0)),
    CONSTRAINT media_assets_mime_type_check CHECK (mime_type ~ '^[a-z]+/[a-z0-9.+-]+$')
);

COMMENT ON TABLE media_assets IS 'P0. Public media files of the content (never client uploads).';
COMMENT ON COLUMN media_assets.storage_key IS 'P0. Key of the object in the file storage.';

CREATE TABLE content_media (
    content_item_id uuid NOT NULL REFERENCES content_items (id) ON DELETE CASCADE,
    media_asset_id uuid NOT NULL REFERENCES media_assets (id) ON DELETE RESTRICT,
    role text NOT NULL,
    sort_order integer NOT NULL DEFAULT 0,
    PRIMARY KEY (content_item_id, media_asset_id, role),
    CONSTRAINT content_media_role_check CHECK (role IN ('cover', 'inline', 'attachment'))
);

CREATE INDEX content_media_media_asset_id_idx ON content_media (media_asset_id);
-- At most one cover per content item.
CREATE UNIQUE INDEX content_media_cover_key ON content_media (content_item_id) WHERE role = 'cover';

COMMENT ON TABLE content_media IS 'P0. Media used by a content item, with its role and order.';
