use super::*;

#[test]
fn defaults_validate() {
    assert!(Settings::default().checked().is_ok());
}

#[test]
fn debug_hides_secrets() {
    let settings = Settings {
        admin_token: Some("admin-token-sentinel".into()),
        jwt_secret: Some("jwt-secret-sentinel-jwt-secret-sentinel".into()),
        master_key: Some("master-key-sentinel".into()),
        twilio_auth_token: Some("twilio-sentinel".into()),
        sms_url: Some("https://user:sms-sentinel@sms.example.com/send".into()),
        database_url: "postgres://user:db-password-sentinel@host/db".into(),
        ..Settings::default()
    };
    let shown = format!("{settings:?}");
    assert!(!shown.contains("sentinel"), "{shown}");
}

#[test]
fn toml_file_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:9999\"\nbcrypt_cost = 4\n").unwrap();
    let settings = Settings::load(Some(&path)).unwrap().settings;
    assert_eq!(settings.listen, "127.0.0.1:9999");
    std::fs::write(&path, "bcrypt_cost = 40\n").unwrap();
    assert!(Settings::load(Some(&path)).is_err());
    assert!(Settings::load(Some(&dir.path().join("missing.toml"))).is_err());
}

#[test]
fn an_unknown_key_in_the_file_stops_the_start_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:9999\"\nno_such_key = 1\n").unwrap();
    let error = Settings::load(Some(&path)).unwrap_err();
    assert!(error.contains("unknown key `no_such_key`"), "{error}");
    assert!(error.contains(&path.display().to_string()), "{error}");
    std::fs::write(&path, "smtp_ulr = \"smtp://x\"\n").unwrap();
    let error = Settings::load(Some(&path)).unwrap_err();
    assert!(
        error.contains("`smtp_ulr`") && error.contains("did you mean `smtp_url`?"),
        "{error}"
    );
}

#[test]
fn unknown_variables_are_warned_about_with_the_nearest_name() {
    let names = [
        "CLIENTELE_SMTP_ULR",
        "CLIENTELE_SMTP_URL",
        "CLIENTELE_CONFIG",
        "CLIENTELE_TEST_POSTGRES_URL",
        "CLIENTELE_MASTERKEY_FILE",
        "CLIENTELE_COMPLETELY_UNRELATED_THING",
        "PATH",
    ];
    let warnings = unknown_variables(names.iter().map(|n| n.to_string()));
    assert_eq!(
        warnings,
        [
            "CLIENTELE_COMPLETELY_UNRELATED_THING is not a Clientele setting and is ignored",
            "CLIENTELE_MASTERKEY_FILE is not a Clientele setting and is ignored: did you mean CLIENTELE_MASTER_KEY_FILE?",
            "CLIENTELE_SMTP_ULR is not a Clientele setting and is ignored: did you mean CLIENTELE_SMTP_URL?",
        ]
    );
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("", "abc"), 3);
}

#[test]
fn a_low_bcrypt_cost_is_a_warning_and_two_key_sources_an_error() {
    let cheap = Settings {
        bcrypt_cost: 9,
        ..Settings::default()
    };
    assert!(cheap.warnings()[0].contains("CLIENTELE_BCRYPT_COST is 9"));
    assert!(Settings::default().warnings().is_empty());
    let both = Settings {
        master_key: Some("k".into()),
        master_key_file: Some("f".into()),
        ..Settings::default()
    };
    assert!(both.checked().unwrap_err().contains("not both"));
}

#[test]
fn trusting_every_address_is_a_warning() {
    for everyone in ["0.0.0.0/0", "10.0.0.0/8, ::/0", "0.0.0.0/1, 128.0.0.0/1"] {
        let open = Settings {
            trusted_proxies: everyone.into(),
            ..Settings::default()
        };
        assert!(
            open.checked().unwrap().warnings()[0].contains("wider than"),
            "{everyone}"
        );
    }
    let proxies = Settings {
        trusted_proxies: "10.0.0.0/8, 192.0.2.1".into(),
        ..Settings::default()
    };
    assert!(proxies.checked().unwrap().warnings().is_empty());
}

#[test]
fn metrics_open_to_the_world_are_a_warning() {
    let listening = |address: &str| Settings {
        metrics_listen: Some(address.into()),
        ..Settings::default()
    };
    assert!(listening("0.0.0.0:9464").warnings()[0].contains("CLIENTELE_METRICS_LISTEN"));
    assert!(listening("127.0.0.1:9464").warnings().is_empty());
    assert!(listening("10.1.2.3:9464").warnings().is_empty());
}

#[test]
fn settings_with_a_syntax_are_parsed_once_on_load() {
    let loaded = Settings::from_variables([
        ("CLIENTELE_TRUSTED_PROXIES", "10.0.0.0/8"),
        ("CLIENTELE_FORWARDED_HEADER", "Forwarded"),
        ("CLIENTELE_DEFAULT_PHONE_REGION", "IN"),
        ("CLIENTELE_COUNTRY_HEADER", "CF-IPCountry"),
        ("CLIENTELE_CODE_TTL_SECS", "8"),
        ("CLIENTELE_SMTP_URL", ""),
    ])
    .unwrap();
    let settings = loaded.settings;
    assert_eq!(settings.code_ttl_secs, 8);
    assert_eq!(settings.smtp_url, None, "empty counts as unset");
    assert!(settings
        .parsed
        .trusted_proxies
        .trusts("10.1.2.3".parse().unwrap()));
    assert!(!settings
        .parsed
        .trusted_proxies
        .trusts("192.0.2.1".parse().unwrap()));
    assert_eq!(settings.parsed.default_phone_region, PhoneRegion::parse("IN"));
    assert_eq!(
        settings.parsed.country_header.as_ref().map(|h| h.as_str()),
        Some("cf-ipcountry")
    );
    for (name, value, says) in [
        (
            "CLIENTELE_TRUSTED_PROXIES",
            "proxy.local",
            "CLIENTELE_TRUSTED_PROXIES",
        ),
        (
            "CLIENTELE_FORWARDED_HEADER",
            "X-Real-IP",
            "CLIENTELE_FORWARDED_HEADER",
        ),
        (
            "CLIENTELE_DEFAULT_PHONE_REGION",
            "XX",
            "CLIENTELE_DEFAULT_PHONE_REGION",
        ),
        (
            "CLIENTELE_COUNTRY_HEADER",
            "not a header",
            "CLIENTELE_COUNTRY_HEADER",
        ),
    ] {
        let error = Settings::from_variables([(name, value)]).unwrap_err();
        assert!(error.contains(says), "{value}: {error}");
    }
    let warned = Settings::from_variables([("CLIENTELE_SMTP_ULR", "smtp://x")]).unwrap();
    assert!(
        warned.warnings[0].contains("did you mean CLIENTELE_SMTP_URL"),
        "{warned:?}"
    );
}
