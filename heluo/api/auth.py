from ninja.security import HttpBearer

from heluo.core.middleware import current_actor
from heluo.core.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        current_actor().user = found.user  # so the change log names the token's owner
        return found.user
