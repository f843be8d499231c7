/** The shapes of the pharmacy, lab and nurse answers the staff screens read (OpenAPI at /docs/json). */

export interface PharmacyOrder {
  order_id: number;
  patient_id: number;
  status: string;
  payment_status: string;
  items: {
    item_id: number;
    medicine_name: string;
    prescription_only: boolean;
    quantity: number;
  }[];
  total_cost: number;
  currency: string;
  delivery_address: string;
  tracking: string | null;
}

export interface LabResult {
  name: string;
  value: string;
  unit: string | null;
  reference_range: string | null;
  flag: string | null;
}

export interface LabBooking {
  booking_id: number;
  test_id: number;
  test_name: string;
  appointment_date: string;
  status: string;
  collection: string;
  address: string | null;
  preparation: string;
  sample_type: string;
  payment_status: string;
  result_summary: string | null;
  results: LabResult[];
}

export interface LabTest {
  test_id: number;
  code: string;
  name: string;
  analytes: { code: string; name: string; unit: string }[];
}

export interface NurseDoctor {
  doctor_id: number;
  name: string;
}
