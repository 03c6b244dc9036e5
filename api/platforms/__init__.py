"""The social networks Postwright writes for and publishes to: one plugin module per platform, one registry.

A platform is a `PlatformPlugin` (`api.platforms.base`): its stored name and the aliases clients may use, its
display name, its length rule (the limit and how the platform counts), whether it has threads and a first
comment, the sentence of rules the generation prompt gives the model, the prefix of its settings, its OAuth
flavour and its publishing client. `api.platforms.registry` holds the registered plugins; everything else asks
it (`registry.get(name)`) and never compares a platform's name. An unknown name is `UnknownPlatform` (a
ValueError, a 422 at the API), never another platform's behaviour.

Adding a platform:
1. Write `api/platforms/<name>.py`: a `PlatformPlugin` and its client (an `OAuthClient` subclass with the
   platform's identity, posting, lookup and metrics calls).
2. Add it to `BUILT_IN` in `api/platforms/registry.py` (tests and scripts use `registry.registered(plugin)`).
Nothing else changes: the request bodies and parameters accept it, the OpenAPI document lists it (its enums
are read from the registry when the document is built), and drafts, length checks, generation, OAuth connect,
publishing, metrics, analytics and the queue serve it. `tests/platforms/test_third_platform.py` proves it.

Storage: every `platform` column is `VARCHAR(20)` (and the profile's `platforms` a `text[]`), with no
PostgreSQL enum and no CHECK constraint listing the names, so a new platform needs no migration. The registry
is the one validation: the API refuses an unregistered name before anything is stored, and `register`
refuses a name longer than the columns hold. A row whose platform is no longer registered is an error where
it is used (a scheduled post fails with a reason), never treated as another platform.

The engagement model in `models/` sits below `api/` and cannot ask the registry: it takes the platform as data
(`models.engagement.features.PLATFORM_CODES`) and treats a platform its training data did not have as unknown
(a missing value), not as X.
"""
