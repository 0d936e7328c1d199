"""Understanding questions: semantic model, query plans, SQL building and the SQL guard."""
