//! The SSRF boundary's rules, address by address: what an attacker would type to reach
//! the service's own network, and what a real mail server resolves to.

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn addresses_off_the_public_internet_are_not_public() {
    for private in [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.5",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254", // cloud metadata
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "fc12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",   // IPv4-mapped loopback
        "::ffff:10.1.2.3",    // IPv4-mapped private
        "64:ff9b::a9fe:a9fe", // NAT64 to 169.254.169.254
        "::127.0.0.1",        // IPv4-compatible
        "2001:db8::1",
    ] {
        assert!(!is_public(ip(private)), "{private} counted as public");
    }
}

#[test]
fn mail_servers_on_the_internet_are_public() {
    for public in [
        "66.111.4.147", // a Fastmail address
        "17.42.251.41", // an iCloud address
        "172.32.0.1",   // just past 172.16/12
        "100.128.0.1",  // just past 100.64/10
        "8.8.8.8",
        "2a00:1450:4001:80b::2005",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ] {
        assert!(is_public(ip(public)), "{public} counted as private");
    }
}

fn policy(hosts: &[&str], private: bool) -> HostPolicy {
    HostPolicy {
        allowed_hosts: hosts.iter().map(ToString::to_string).collect(),
        allow_private_networks: private,
    }
}

#[tokio::test]
async fn loopback_and_metadata_are_refused_unless_the_admin_allows_private_networks() {
    let open = policy(&[], false);
    for host in [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "169.254.169.254",
        "LOCALHOST.",
    ] {
        let refused = open.resolve(host, 993).await.unwrap_err();
        assert!(
            matches!(refused, Refused::Private(_)),
            "{host}: {refused:?}"
        );
        // A name's message names it, never the address it resolved to.
        if host.starts_with(|c: char| c.is_ascii_alphabetic()) {
            assert!(
                !refused.to_string().contains("127.0.0") && !refused.to_string().contains("::1"),
                "{refused}"
            );
        }
    }
    let lan = policy(&[], true);
    let reached = lan.resolve("127.0.0.1", 993).await.unwrap();
    assert_eq!(reached, vec!["127.0.0.1:993".parse().unwrap()]);
}

#[tokio::test]
async fn an_allow_list_takes_names_and_their_subdomains_only() {
    let listed = policy(&["example.com", "Mail.Corp.Test."], true);
    assert!(listed.resolve("127.0.0.1", 993).await.is_err());
    assert!(matches!(
        listed.resolve("evil-example.com", 993).await,
        Err(Refused::NotAllowed(_))
    ));
    assert!(matches!(
        listed.resolve("example.com.evil.test", 993).await,
        Err(Refused::NotAllowed(_))
    ));
    assert!(listed.host_allowed("imap.example.com"));
    assert!(listed.host_allowed("example.com"));
    assert!(listed.host_allowed("mail.corp.test"));
    assert!(!listed.host_allowed("corp.test"));
}

#[tokio::test]
async fn what_is_no_host_name_is_refused_before_any_lookup() {
    let open = policy(&[], true);
    for bad in [
        "",
        "  ",
        "a b",
        "host:993",
        "http://x",
        "user@host",
        "x/y",
        "[::1",
    ] {
        assert_eq!(
            open.resolve(bad, 993).await,
            Err(Refused::BadName),
            "{bad:?}"
        );
    }
}
