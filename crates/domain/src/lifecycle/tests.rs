use super::*;
use crate::account::AccountStatus;
use crate::profile::Profile;
use crate::services::support::test_support::{account, T0};
use crate::values::{Birthday, Email, PasswordHash, Phone};

fn hash() -> PasswordHash {
    PasswordHash::from_stored("$2b$04$new".into())
}

fn with_status(status: AccountStatus) -> Account {
    Account { status, ..account() }
}

fn phone(raw: &str) -> Option<Phone> {
    Some(Phone::parse(raw).unwrap())
}

/// Every transition the lifecycle has, from an account in the state it starts from.
pub(crate) fn every_transition() -> Vec<(AccountEvent, Transition)> {
    let active = account();
    let pending = with_status(AccountStatus::PendingActivation);
    let closed = with_status(AccountStatus::Deactivated);
    let new_phone = Account {
        profile: Profile {
            phone: phone("+14155550123"),
            ..active.profile.clone()
        },
        ..active.clone()
    };
    let on = Account {
        two_factor: true,
        ..new_phone.clone()
    };
    let two_factor = on.clone();
    let off = Account {
        two_factor: false,
        ..two_factor.clone()
    };
    let app = crate::factors::Factor {
        id: crate::factors::FactorId(uuid::Uuid::from_u128(11)),
        name: "app".into(),
        created_at: T0,
        last_used_at: None,
        secret: crate::factors::FactorSecret::Totp {
            sealed: "sealed".into(),
            last_step: None,
        },
    };
    let with_app = active
        .add_factor(app.clone(), Some(vec!["d".into()]), T0)
        .unwrap()
        .after()
        .clone();
    vec![
        (AccountEvent::Activated, pending.activate(hash(), T0).unwrap()),
        (
            AccountEvent::EmailChanged,
            active
                .confirm_email(Email::parse("new@example.com").unwrap(), T0)
                .unwrap(),
        ),
        (
            AccountEvent::PasswordChanged,
            active.change_password(hash(), T0).unwrap(),
        ),
        (
            AccountEvent::PasswordReset,
            active.reset_password(hash(), T0).unwrap(),
        ),
        (
            AccountEvent::PhoneChanged,
            active.edit(new_phone.clone(), T0).unwrap(),
        ),
        (
            AccountEvent::TwoFactorEnabled,
            new_phone.edit_with_code(on, T0).unwrap(),
        ),
        (
            AccountEvent::TwoFactorDisabled,
            two_factor.edit_with_code(off, T0).unwrap(),
        ),
        (
            AccountEvent::FactorAdded,
            active.add_factor(app.clone(), None, T0).unwrap(),
        ),
        (
            AccountEvent::FactorRemoved,
            with_app.remove_factor(app.id, true, T0).unwrap(),
        ),
        (
            AccountEvent::RecoveryCodesReplaced,
            with_app.replace_recovery_codes(vec!["e".into()], T0).unwrap(),
        ),
        (AccountEvent::Deactivated, active.deactivate(T0).unwrap()),
        (AccountEvent::Erased, closed.erase(T0).unwrap()),
        (AccountEvent::Reactivated, closed.reactivate(T0).unwrap()),
    ]
}

#[test]
fn every_event_has_a_transition_and_each_transition_is_its_event() {
    let transitions = every_transition();
    for event in AccountEvent::ALL {
        let (_, transition) = transitions
            .iter()
            .find(|(e, _)| *e == event)
            .unwrap_or_else(|| panic!("no transition for {event}"));
        assert_eq!(transition.events(), [event], "{event}");
        assert_eq!(transition.after().updated_at, T0);
    }
}

/// The invariant: no transition leaves another flow of the account open.
#[test]
fn every_event_ends_every_other_open_flow() {
    for event in AccountEvent::ALL {
        assert!(event.consequences().ends_open_flows, "{event}");
    }
    for (event, transition) in every_transition() {
        assert!(transition.ends_open_flows(), "{event}");
        assert!(transition.is_credential_event(), "{event}");
    }
}

#[test]
fn the_table_says_which_sessions_end_and_who_is_told() {
    use SessionsEnded::*;
    let expected = [
        (AccountEvent::Activated, None, false),
        (AccountEvent::EmailChanged, None, false),
        (AccountEvent::PasswordChanged, AllButCurrent, true),
        (AccountEvent::PasswordReset, All, true),
        (AccountEvent::PhoneChanged, None, true),
        (AccountEvent::TwoFactorEnabled, None, true),
        (AccountEvent::TwoFactorDisabled, None, true),
        (AccountEvent::FactorAdded, None, true),
        (AccountEvent::FactorRemoved, AllButCurrent, true),
        (AccountEvent::RecoveryCodesReplaced, None, true),
        (AccountEvent::Deactivated, All, false),
        (AccountEvent::Erased, All, true),
        (AccountEvent::Reactivated, None, false),
    ];
    for (event, sessions, told) in expected {
        let c = event.consequences();
        assert_eq!(c.sessions, sessions, "{event}");
        assert_eq!(c.notice != Notice::None, told, "{event}");
    }
}

#[test]
fn a_new_number_that_is_the_second_factor_ends_every_other_session() {
    let active = Account {
        two_factor: true,
        profile: Profile {
            phone: phone("+14155550100"),
            ..Profile::default()
        },
        ..account()
    };
    let moved = Account {
        profile: Profile {
            phone: phone("+14155550123"),
            ..active.profile.clone()
        },
        ..active.clone()
    };
    let by_code = active.edit_with_code(moved.clone(), T0).unwrap();
    assert_eq!(by_code.events(), [AccountEvent::PhoneChanged]);
    assert_eq!(by_code.sessions(), SessionsEnded::AllButCurrent);
    let plain = Account {
        two_factor: false,
        ..active.clone()
    };
    let plain_edit = plain
        .edit(
            Account {
                two_factor: false,
                ..moved
            },
            T0,
        )
        .unwrap();
    assert_eq!(
        plain_edit.sessions(),
        SessionsEnded::None,
        "not a credential then"
    );
}

#[test]
fn transitions_refuse_the_states_they_do_not_start_from() {
    let pending = with_status(AccountStatus::PendingActivation);
    let active = account();
    let closed = with_status(AccountStatus::Deactivated);
    let erased = with_status(AccountStatus::Erased);
    let email = || Email::parse("new@example.com").unwrap();
    assert_eq!(active.activate(hash(), T0), Err(IllegalTransition::NotPending));
    for not_open in [&pending, &closed, &erased] {
        assert_eq!(
            not_open.confirm_email(email(), T0),
            Err(IllegalTransition::NotActive)
        );
        assert_eq!(
            not_open.change_password(hash(), T0),
            Err(IllegalTransition::NotActive)
        );
        assert_eq!(
            not_open.reset_password(hash(), T0),
            Err(IllegalTransition::NotActive)
        );
        assert_eq!(
            not_open.edit(not_open.clone(), T0),
            Err(IllegalTransition::NotActive)
        );
    }
    assert_eq!(closed.deactivate(T0), Err(IllegalTransition::AlreadyClosed));
    assert_eq!(erased.erase(T0), Err(IllegalTransition::AlreadyClosed));
    assert_eq!(active.reactivate(T0), Err(IllegalTransition::NotDeactivated));
    assert_eq!(erased.reactivate(T0), Err(IllegalTransition::NotDeactivated));
    assert_eq!(
        active.erase(T0).unwrap().events(),
        [AccountEvent::Deactivated, AccountEvent::Erased],
        "erasing an open account closes it in the same step"
    );
    assert_eq!(
        closed.edit_by_app(closed.clone(), T0),
        Err(IllegalTransition::NotActive)
    );
    assert!(
        pending.edit_by_app(pending.clone(), T0).is_ok(),
        "an app edits a pending account"
    );
}

#[test]
fn an_edit_keeps_what_only_its_own_transition_changes() {
    let active = account();
    let other_status = with_status(AccountStatus::Deactivated);
    assert_eq!(
        active.edit(other_status, T0),
        Err(IllegalTransition::NotAnEdit("the status"))
    );
    let other_password = Account {
        password_hash: Some(hash()),
        ..active.clone()
    };
    assert_eq!(
        active.edit(other_password, T0),
        Err(IllegalTransition::NotAnEdit("the password"))
    );
    let other_address = Account {
        email: Some(Email::parse("else@example.com").unwrap()),
        ..active.clone()
    };
    assert_eq!(
        active.edit(other_address.clone(), T0),
        Err(IllegalTransition::NotAnEdit("a confirmed address"))
    );
    let placeholder = Account {
        email_temporary: true,
        ..active.clone()
    };
    assert_eq!(
        placeholder.edit(other_address, T0).unwrap().events(),
        [AccountEvent::EmailChanged],
        "a first real address replaces a placeholder, and ends what was open"
    );
    let unchanged = active.edit(active.clone(), T0).unwrap();
    assert!(
        unchanged.events.is_empty() && unchanged.after == active,
        "no change, no event"
    );
}

#[test]
fn a_birthday_once_set_is_final_on_every_customer_surface_but_not_for_the_back_office() {
    let today = time::macros::date!(2026 - 11 - 22);
    let with_birthday = Account {
        profile: Profile {
            birthday: Some(Birthday::parse("1990-05-15", today).unwrap()),
            // Set by a surface that never locked it (B2Core, say): final all the same.
            birthday_locked: false,
            ..Profile::default()
        },
        ..account()
    };
    let moved = |date: Option<&str>| Account {
        profile: Profile {
            birthday: date.map(|d| Birthday::parse(d, today).unwrap()),
            ..with_birthday.profile.clone()
        },
        ..with_birthday.clone()
    };
    for wanted in [Some("1991-01-01"), None] {
        assert_eq!(
            with_birthday.edit(moved(wanted), T0),
            Err(IllegalTransition::BirthdayFinal)
        );
        assert_eq!(
            with_birthday.edit_by_app(moved(wanted), T0),
            Err(IllegalTransition::BirthdayFinal)
        );
        assert!(with_birthday.edit_by_back_office(moved(wanted), T0).is_ok());
    }
    assert!(
        with_birthday.edit(moved(Some("1990-05-15")), T0).is_ok(),
        "the same date"
    );
}

#[test]
fn with_two_factor_on_only_a_code_moves_the_number_or_the_switch() {
    let on = Account {
        two_factor: true,
        profile: Profile {
            phone: phone("+14155550100"),
            ..Profile::default()
        },
        ..account()
    };
    let moved = Account {
        profile: Profile {
            phone: phone("+14155550123"),
            ..on.profile.clone()
        },
        ..on.clone()
    };
    let off = Account {
        two_factor: false,
        ..on.clone()
    };
    assert_eq!(
        on.edit(moved.clone(), T0),
        Err(IllegalTransition::SecondFactorNeedsCode)
    );
    assert_eq!(
        on.edit(off.clone(), T0),
        Err(IllegalTransition::SecondFactorNeedsCode)
    );
    assert!(on.edit_with_code(moved, T0).is_ok());
    assert_eq!(
        on.edit_with_code(off, T0).unwrap().events(),
        [AccountEvent::TwoFactorDisabled]
    );
}

#[test]
fn erasure_leaves_nothing_personal() {
    let erased = account().erase(T0).unwrap().after().clone();
    assert_eq!(erased.status, AccountStatus::Erased);
    assert_eq!(erased.profile, Profile::default());
    assert!(erased.password_hash.is_none() && erased.customer_email().is_none());
    assert_eq!(
        erased.email.unwrap().as_str(),
        format!("{}@erased.invalid", account().uuid.0.simple())
    );
}

#[test]
fn a_number_proven_by_a_code_ends_every_other_session_even_without_two_factor() {
    let active = account();
    let moved = Account {
        profile: Profile {
            phone: phone("+14155550123"),
            ..active.profile.clone()
        },
        ..active.clone()
    };
    assert_eq!(
        active.edit_with_code(moved.clone(), T0).unwrap().sessions(),
        SessionsEnded::AllButCurrent
    );
    assert_eq!(active.edit(moved, T0).unwrap().sessions(), SessionsEnded::None);
}

#[test]
fn a_pending_accounts_new_number_is_a_plain_edit() {
    let pending = with_status(AccountStatus::PendingActivation);
    let moved = Account {
        profile: Profile {
            phone: phone("+14155550123"),
            ..pending.profile.clone()
        },
        ..pending.clone()
    };
    let edit = pending.edit_by_app(moved, T0).unwrap();
    assert!(
        edit.events().is_empty(),
        "its activation link stays: {:?}",
        edit.events()
    );
    assert!(!edit.ends_open_flows());
}

#[test]
fn an_edit_cannot_confirm_an_address_or_make_it_a_placeholder() {
    let unconfirmed = Account {
        email_confirmed: false,
        ..account()
    };
    for next in [
        Account {
            email_confirmed: true,
            ..unconfirmed.clone()
        },
        Account {
            email_temporary: true,
            ..unconfirmed.clone()
        },
    ] {
        assert_eq!(
            unconfirmed.edit(next.clone(), T0),
            Err(IllegalTransition::NotAnEdit("whether the address is confirmed"))
        );
        assert!(unconfirmed.edit_by_back_office(next, T0).is_err());
    }
}

#[test]
fn two_factor_keeps_a_number_to_text_whoever_edits() {
    let on = Account {
        two_factor: true,
        profile: Profile {
            phone: phone("+14155550100"),
            ..Profile::default()
        },
        ..account()
    };
    let without = Account {
        profile: Profile::default(),
        ..on.clone()
    };
    for refused in [
        on.edit_by_back_office(without.clone(), T0),
        on.edit_with_code(without.clone(), T0),
        on.edit_by_app(without, T0),
    ] {
        assert_eq!(refused, Err(IllegalTransition::SecondFactorWithoutNumber));
    }
}
