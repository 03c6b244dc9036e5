"""A user's post history as data: the `user_posts` table, the parsers of every export format, and the queries
that store and read it. Below every domain that learns from the history (voice, engagement, analytics,
generation); the import itself, with what follows it (a tone analysis, the prediction audit, the first
engagement training), is `api.posts`, above them."""
