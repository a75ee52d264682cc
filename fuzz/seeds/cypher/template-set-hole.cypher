MATCH (p:Plan {{id: $id}}) SET {}, p.updated_at = datetime() RETURN p
