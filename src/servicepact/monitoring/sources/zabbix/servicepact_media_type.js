// ServicePact webhook media type for Zabbix 6.0 and later.
// Alerts > Media types > Create media type: Type "Webhook", paste this script, add the
// parameters listed in docs/monitoring.md ("Zabbix"). Zabbix passes them as the JSON `value`.
// The script forwards every parameter except the URL, token and proxy as one JSON object.
var SERVICEPACT_PRIVATE = ['servicepact_url', 'servicepact_token', 'HTTPProxy'];

function isMacro(text) {
    return typeof text === 'string' && /^\{[A-Z0-9_.$]+\}$/.test(text);
}

try {
    var params = JSON.parse(value),
        request = new HttpRequest(),
        payload = {},
        response,
        key;

    if (typeof params.servicepact_url !== 'string' || params.servicepact_url.indexOf('http') !== 0) {
        throw 'parameter "servicepact_url" must be https://<servicepact>/api/v1/alerts/zabbix';
    }
    if (typeof params.servicepact_token !== 'string' || params.servicepact_token === ''
            || isMacro(params.servicepact_token)) {
        throw 'parameter "servicepact_token" is empty: put the alert source token in the user media "Send to"';
    }
    if (typeof params.HTTPProxy === 'string' && params.HTTPProxy.trim() !== '') {
        request.setProxy(params.HTTPProxy);
    }

    for (key in params) {
        if (params.hasOwnProperty(key) && SERVICEPACT_PRIVATE.indexOf(key) === -1) {
            payload[key] = params[key];
        }
    }
    // {EVENT.TAGSJSON} arrives as text; send it as a real JSON array.
    try {
        payload.event_tags = JSON.parse(params.event_tags);
    }
    catch (error) {
        payload.event_tags = [];
    }

    request.addHeader('Content-Type: application/json');
    request.addHeader('Authorization: Bearer ' + params.servicepact_token);
    response = request.post(params.servicepact_url, JSON.stringify(payload));
    Zabbix.log(4, '[ServicePact webhook] HTTP ' + request.getStatus() + ': ' + response);

    // 200: stored in the request; 202: accepted into ServicePact's inbox (stored shortly).
    if (request.getStatus() !== 200 && request.getStatus() !== 202) {
        throw 'ServicePact answered HTTP ' + request.getStatus() + ': ' + response;
    }
    return 'OK';
}
catch (error) {
    Zabbix.log(3, '[ServicePact webhook] sending failed: ' + error);
    throw 'Sending failed: ' + error;
}
