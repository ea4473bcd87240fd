"""Password policy validators (placeholder; implemented in the accounts work)."""

from django.contrib.auth import password_validation as pv

MinimumLengthValidator = pv.MinimumLengthValidator
UsernameContainmentValidator = pv.UserAttributeSimilarityValidator
CommonPasswordValidator = pv.CommonPasswordValidator


class CharacterClassValidator:
    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        return None

    def get_help_text(self):
        return ""
