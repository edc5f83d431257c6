/**
 * Card numbers the payment processors publish for testing. They are Luhn-valid and in live IIN
 * ranges, so they look like card data, but finding one means test fixtures or sample
 * configuration, not stored cardholder data: the scan counts them apart (`testNumbers`) instead
 * of reporting them as matches.
 *
 * Sources: Stripe, https://docs.stripe.com/testing; PayPal Payflow, "Testing credit card
 * transactions" (https://developer.paypal.com/api/nvp-soap/payflow/integration-guide/test-transactions/);
 * Braintree, https://developer.paypal.com/braintree/docs/guides/credit-cards/testing-go-live.
 */
export const PUBLIC_TEST_PANS: ReadonlySet<string> = new Set([
  // Visa
  '4111111111111111',
  '4012888888881881',
  '4222222222222',
  '4242424242424242',
  '4000056655665556',
  '4005519200000004',
  '4009348888881881',
  '4012000033330026',
  '4012000077777777',
  '4217651111111119',
  '4500600000000061',
  '4000111111111115',
  // Mastercard
  '5555555555554444',
  '5105105105105100',
  '5200828282828210',
  '5431111111111111',
  '2223003122003222',
  '2223000048400011',
  // American Express
  '378282246310005',
  '371449635398431',
  '378734493671000',
  // Discover
  '6011111111111117',
  '6011000990139424',
  '6011981111111113',
  // Diners Club
  '30569309025904',
  '38520000023237',
  '36227206271667',
  '3056930009020004',
  // JCB
  '3530111333300000',
  '3566002020360505',
  '3566111111111113',
  // UnionPay
  '6200000000000005',
  '6200000000000047',
  '6205500000000000004',
  // Maestro
  '6304000000000000',
]);
