"""The PC seen from outside, under `/_sim/` so no one mistakes it for an Intuit interface.

POST /_sim/reset                          back to the configured company files, faults and permissions
GET  /_sim/companies                      each file: path, company name, open or not, stamped FileIDs
POST /_sim/open {"path": str | null}      the bookkeeper opens another file (null: QuickBooks closed)
POST /_sim/access {"grant": bool}         how the next first-run permission prompt is answered
POST /_sim/qbxml[?company=path]           a qbXML message, as QBXMLRP2's ProcessRequest takes it: 200 with
                                          the response, 400 {"hresult","message","details"} when
                                          QuickBooks throws, 409 when no file is open. Also how a test
                                          makes "an edit in QuickBooks": same rules as the connector's.
GET  /_sim/data/{kind}[?company=path]     records of one list or transaction kind, as JSON
GET  /_sim/count/{kind}[?company=path]
GET|POST|DELETE /_sim/faults              list, add a FaultRule, clear
POST /_sim/clock/advance {"seconds": n}   move the PC's clock (TimeModified, FromModifiedDate)
POST /_sim/web-connector/run {"qwc", "password"}  one Web Connector session; answers its report
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local.simulators.quickbooks_desktop.company import Company
from local.simulators.quickbooks_desktop.desktop import QuickBooksDesktop
from local.simulators.quickbooks_desktop.faults import FaultRule
from local.simulators.quickbooks_desktop.qwc import QwcRefused, parse_qwc
from local.simulators.quickbooks_desktop.statuses import MessageRefused
from local.simulators.quickbooks_desktop.web_connector import WebConnector
from local.simulators.quickbooks_desktop.wire import text_of


def admin_routes(desktop: QuickBooksDesktop) -> list[Route]:
    async def reset(_: Request) -> Response:
        desktop.reset()
        return JSONResponse({"reset": True})

    async def companies(_: Request) -> Response:
        return JSONResponse(
            [
                {
                    "path": company.path,
                    "company_name": company.name,
                    "open": company is desktop.open_company,
                    "file_ids": {owner: value for (owner, name), value in company.data_ext.items() if name == "FileID"},
                }
                for company in desktop.companies.values()
            ]
        )

    async def open_file(request: Request) -> Response:
        path = (await _body(request)).get("path")
        try:
            desktop.open_file(path)
        except KeyError as missing:
            raise HTTPException(status_code=404, detail="no such company file") from missing
        return JSONResponse({"open": path})

    async def access(request: Request) -> Response:
        desktop.grant_access = bool((await _body(request)).get("grant", True))
        return JSONResponse({"grant": desktop.grant_access})

    async def qbxml(request: Request) -> Response:
        company = _company(desktop, request)
        body = await request.body()
        try:
            answer = await run_in_threadpool(desktop.process, company, body)
        except MessageRefused as refused:
            payload = {"hresult": refused.hresult, "message": refused.message, "details": refused.details}
            return JSONResponse(payload, status_code=400)
        return Response(answer, media_type="text/xml")

    async def data(request: Request) -> Response:
        company = _company(desktop, request)
        kind = request.path_params["kind"]
        records = company.lists.get(kind) or company.txns.get(kind) or {}
        return JSONResponse([_as_json(record) for record in records.values()])

    async def count(request: Request) -> Response:
        return JSONResponse({"count": _company(desktop, request).count(request.path_params["kind"])})

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                desktop.faults.add(FaultRule.model_validate(await _body(request)))
            except ValidationError as error:
                return JSONResponse({"error": error.errors(include_url=False)}, status_code=400)
        elif request.method == "DELETE":
            desktop.faults.clear()
        return JSONResponse([rule.model_dump() for rule in desktop.faults.rules])

    async def advance_clock(request: Request) -> Response:
        desktop.clock.advance(float((await _body(request))["seconds"]))
        company = desktop.open_company or next(iter(desktop.companies.values()))
        return JSONResponse({"now": company.now().isoformat()})

    async def run_web_connector(request: Request) -> Response:
        body = await _body(request)
        try:
            qwc = parse_qwc(body["qwc"])
        except QwcRefused as refused:
            return JSONResponse({"error": str(refused)}, status_code=400)
        connector = WebConnector(desktop, qwc, body.get("password", ""))
        report = await run_in_threadpool(connector.run_session)
        return JSONResponse(asdict(report))

    return [
        Route("/_sim/reset", reset, methods=["POST"]),
        Route("/_sim/companies", companies, methods=["GET"]),
        Route("/_sim/open", open_file, methods=["POST"]),
        Route("/_sim/access", access, methods=["POST"]),
        Route("/_sim/qbxml", qbxml, methods=["POST"]),
        Route("/_sim/data/{kind}", data, methods=["GET"]),
        Route("/_sim/count/{kind}", count, methods=["GET"]),
        Route("/_sim/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/clock/advance", advance_clock, methods=["POST"]),
        Route("/_sim/web-connector/run", run_web_connector, methods=["POST"]),
    ]


def _company(desktop: QuickBooksDesktop, request: Request) -> Company:
    path = request.query_params.get("company")
    if path is not None:
        if path.lower() not in desktop.companies:
            raise HTTPException(status_code=404, detail="no such company file")
        return desktop.company(path)
    if desktop.open_company is None:
        raise HTTPException(status_code=409, detail="QuickBooks has no company file open")
    return desktop.open_company


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return text_of(value)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    return json.loads(raw) if raw else {}
