//! The loyalty ledger and orders.

use crate::support::*;

pub(crate) async fn the_wallet_spends_first_to_expire_first_and_orders_add_up(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let other = full_account();
    s.accounts.insert(&other).await.unwrap();
    let today = T0.date();
    let post = |e: WalletEntry| {
        let loyalty = s.loyalty.clone();
        async move { loyalty.post_wallet_entry(&e, today, &unheard()).await.unwrap() }
    };
    let cashback = |reference: &str, amount: i64, expires_in: Option<i64>| {
        wallet_entry(&account, WalletKind::Cashback, reference, amount, expires_in)
    };
    for entry in [
        cashback("late", 100_00, Some(10)),
        cashback("early", 50_00, Some(5)),
        cashback("forever", 30_00, None),
        cashback("gone", 20_00, Some(-1)),
        wallet_entry(&account, WalletKind::TssPoints, "points", 1250_00, Some(30)),
        wallet_entry(&other, WalletKind::Cashback, "late", 999_00, Some(1)),
    ] {
        assert!(matches!(post(entry).await, WalletPosted::Created(_)));
    }
    let summary = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today)
        .await
        .unwrap();
    assert_eq!(
        summary.cashback,
        Balance {
            spendable: Amount(180_00),
            next_to_expire: Some((Amount(50_00), today + Duration::days(5))),
        },
        "the expired lot and the other account's do not count"
    );
    assert_eq!(summary.tss_points.spendable, Amount(1250_00));
    assert_eq!(summary.tss_money, Balance::default());

    // A debit spends the lot that expires first, then the next.
    let debit = cashback("order-1", -60_00, None);
    assert!(matches!(post(debit.clone()).await, WalletPosted::Created(_)));
    let summary = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today)
        .await
        .unwrap();
    assert_eq!(
        summary.cashback,
        Balance {
            spendable: Amount(120_00),
            next_to_expire: Some((Amount(90_00), today + Duration::days(10))),
        }
    );
    // Posted again: nothing changes; the same reference with other content is refused.
    assert_eq!(post(debit.clone()).await, WalletPosted::Replayed(debit.clone()));
    assert!(matches!(
        post(cashback("order-1", -1_00, None)).await,
        WalletPosted::ReferenceTaken(_)
    ));
    assert_eq!(
        post(cashback("too-much", -500_00, None)).await,
        WalletPosted::Insufficient {
            spendable: Amount(120_00)
        }
    );
    // Twenty debits of 10.00 at once against 120.00: twelve go through, none spends twice.
    let outcomes = join_all((0..20).map(|i| post(cashback(&format!("race-{i}"), -10_00, None)))).await;
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, WalletPosted::Created(_)))
        .count();
    assert_eq!(created, 12, "{outcomes:?}");
    let summary = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today)
        .await
        .unwrap();
    assert_eq!(
        (summary.cashback.spendable, summary.cashback.next_to_expire),
        (Amount(0), None)
    );
    // The next day the lot that expired the day before is gone from the balance too.
    let later = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(later.tss_points, Balance::default(), "expired after its last day");
    let entries = s
        .loyalty
        .wallet_entries(&tenant(), account.uuid, 100)
        .await
        .unwrap();
    assert_eq!(entries.len(), 5 + 1 + 12);

    // Orders: counted, completed ones summed; posted once per reference.
    let order = |reference: &str, amount: i64, status: OrderStatus| Order {
        tenant: account.tenant.clone(),
        account: account.uuid,
        reference: reference.into(),
        amount: Amount(amount),
        status,
        placed_at: T0,
    };
    for o in [
        order("A-1", 100_50, OrderStatus::Completed),
        order("A-2", 20_00, OrderStatus::Completed),
        order("A-3", 5_00, OrderStatus::Placed),
    ] {
        assert_eq!(
            s.loyalty.post_order(&o, &unheard()).await.unwrap(),
            OrderPosted::Created(o.clone())
        );
    }
    let again = order("A-1", 100_50, OrderStatus::Completed);
    assert_eq!(
        s.loyalty.post_order(&again, &unheard()).await.unwrap(),
        OrderPosted::Replayed(again)
    );
    assert!(matches!(
        s.loyalty
            .post_order(&order("A-1", 1_00, OrderStatus::Placed), &unheard())
            .await
            .unwrap(),
        OrderPosted::ReferenceTaken(_)
    ));
    let stats = s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap();
    assert_eq!(
        stats,
        OrderStats {
            count: 3,
            successful: 2,
            total_spending: Amount(120_50)
        }
    );
    let returned = s
        .loyalty
        .set_order_status(&tenant(), account.uuid, "A-1", OrderStatus::Returned, &unheard())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(returned.status, OrderStatus::Returned);
    assert_eq!(
        s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap(),
        OrderStats {
            count: 3,
            successful: 1,
            total_spending: Amount(20_00)
        }
    );
    assert_eq!(
        s.loyalty
            .set_order_status(&tenant(), other.uuid, "A-1", OrderStatus::Completed, &unheard())
            .await
            .unwrap(),
        None,
        "another account's reference"
    );
    assert_eq!(
        s.loyalty.orders(&tenant(), account.uuid, 10).await.unwrap().len(),
        3
    );
    // Racing status changes of one order leave the totals as its final status says.
    let moves = join_all((0..20).map(|i| {
        let loyalty = s.loyalty.clone();
        let status = if i % 2 == 0 {
            OrderStatus::Completed
        } else {
            OrderStatus::Cancelled
        };
        async move {
            loyalty
                .set_order_status(&tenant(), account.uuid, "A-3", status, &unheard())
                .await
                .unwrap()
        }
    }))
    .await;
    assert!(moves.iter().all(Option::is_some));
    let last = s.loyalty.orders(&tenant(), account.uuid, 10).await.unwrap();
    let a3 = last.iter().find(|o| o.reference == "A-3").unwrap();
    let (extra, spent) = if a3.status == OrderStatus::Completed {
        (1, 5_00)
    } else {
        (0, 0)
    };
    assert_eq!(
        s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap(),
        OrderStats {
            count: 3,
            successful: 1 + extra,
            total_spending: Amount(20_00 + spent)
        }
    );
    assert_eq!(
        s.loyalty.order_stats(&tenant(), other.uuid).await.unwrap(),
        OrderStats::default()
    );
}

crate::contract_cases!(the_wallet_spends_first_to_expire_first_and_orders_add_up,);
