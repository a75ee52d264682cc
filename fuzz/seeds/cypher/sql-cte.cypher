WITH RECURSIVE subtree AS (
  SELECT id, parent_id FROM org_units WHERE id = $1
  UNION ALL
  SELECT o.id, o.parent_id FROM org_units o JOIN subtree s ON o.parent_id = s.id
)
SELECT id FROM subtree
