def test_dbg(client):
    r = client.get("/route?from=P%C3%A9tion-Ville&to=Okap&modes=sea&modes=air&depart=2025-03-03T10:00")
    html = r.get_data(as_text=True)
    print(r.status_code, "legs-table" in html, html.count("14 10"), html.count("4 8"), "By air" in html)
    r = client.get("/route")
    print(r.status_code, "mode-sea" in r.get_data(as_text=True))
    r = client.get("/access?from=pt-petion-ville-helipad&modes=air")
    print(r.status_code)
