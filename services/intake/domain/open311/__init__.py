"""Open311 GeoReport v2 façade 开放311接口: pure mapping between the spec's shapes and ours.

The lead serves `GET /services`, `GET /services/{code}`, `POST /requests`, `GET /requests`,
`GET /requests/{id}` and `GET /tokens/{token}` (each with `.json` / `.xml`); these modules build
every body and parse every input, field by field as the spec names them.
"""
