//# id=e04 expect=err tags=keyword_typo
MACTH (u:User) RETURN u