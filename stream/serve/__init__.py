"""`riskstream serve`: an HTTP moderation endpoint compatible with OpenAI's POST /v1/moderations."""
