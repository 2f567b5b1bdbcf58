"""The blueprint every resource uses: its request parser refuses hostile bodies with a 400
instead of letting them reach the handlers (or crash the JSON decoder), and builds each
argument schema once rather than on every request."""

from __future__ import annotations

import json
from typing import Any

import flask
import flask_smorest
import marshmallow
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request


class HostileBodySafeParser(FlaskParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[marshmallow.Schema], marshmallow.Schema] = {}

    def _get_schema(self, argmap: Any, req: flask.Request) -> marshmallow.Schema:
        # webargs instantiates a schema class on every request, and a schema's construction
        # (deep copies of its declared fields) cost more than the rest of a read's parsing.
        # A schema instance keeps no state between loads, so one per class serves every
        # request and thread.
        if isinstance(argmap, type) and issubclass(argmap, marshmallow.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def load_querystring(self, req: flask.Request, schema: marshmallow.Schema) -> Any:
        # Most reads send no query at all. The multi-dict proxy answers every field the
        # schema asks for and the query lacks by raising and catching a KeyError; an empty
        # query loads the same as an empty mapping.
        if not req.args:
            return {}
        return super().load_querystring(req, schema)

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            data = core.parse_json(req.get_data(cache=True))
            # Lone surrogates ("\ud800") decode as JSON but are not text: refuse them here,
            # not when the event is stored.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (json.JSONDecodeError, UnicodeError):
            abort(400, messages={"json": ["Invalid JSON body: not well-formed UTF-8 JSON."]})
        except RecursionError:
            abort(400, messages={"json": ["Invalid JSON body: nested too deeply."]})
        except ValueError:  # e.g. an integer of thousands of digits
            abort(400, messages={"json": ["Invalid JSON body: a number is out of range."]})
        return data


NOT_MODIFIED = {
    "description": "Not Modified: `If-None-Match` names the representation this caller would be"
    " given now (the ETag of an earlier answer to the same caller); no body, the same ETag and"
    " caching headers"
}


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = HostileBodySafeParser()

    @staticmethod
    def conditional(func: Any) -> Any:
        """Documents that the GET answers `If-None-Match` with 304 (its answers carry an
        ETag naming the caller's representation: `service.api.conditional`), so clients and
        the contract tests know a 304 is one of its answers."""
        return flask_smorest.Blueprint.doc(responses={"304": NOT_MODIFIED})(func)
