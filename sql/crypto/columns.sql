-- name: encrypted_columns()
-- Every P2 column (named *_encrypted) of every table: what key rotation walks, so a
-- column added by a later migration is covered without touching the rotation code.
SELECT c.table_name, c.column_name
FROM information_schema.columns c
JOIN information_schema.columns id_column
  ON id_column.table_schema = c.table_schema AND id_column.table_name = c.table_name
 AND id_column.column_name = 'id'
WHERE c.table_schema = current_schema() AND right(c.column_name, 10) = '_encrypted'
ORDER BY c.table_name, c.column_name;
