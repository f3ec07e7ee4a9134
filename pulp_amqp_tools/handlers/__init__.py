"""--exec: run a handler command per message; its exit status decides the message's fate."""
