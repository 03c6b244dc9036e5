"""Workspaces: the place a team's drafts, schedules, accounts and webhooks live; members, roles,
invitations, and the activity log."""
