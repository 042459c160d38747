/**
 * Complete Kawasaki disease in a young child: five or more days of fever with four or five of the
 * five principal criteria, raised inflammatory markers, echocardiography with normal or mildly
 * dilated coronary arteries, intravenous immunoglobulin and aspirin, six-week echocardiogram.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

interface Facts extends PatientFacts {
  feverDays: number;
  signDays: number;
  /** Tenths of °C. */
  temp: number;
  heartRate: number;
  /** Cervical lymph node diameter in mm, or 0 when there is none. */
  node: number;
  nodeSide: 'left' | 'right';
  wbc: number;
  crp: number;
  platelets: number;
  /** Tenths of g/dL. */
  albumin: number;
  pyuria: boolean;
  /** Coronary Z-score in tenths, or 0 when the arteries are normal. */
  coronaryZ: number;
  afebrileHours: number;
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  const feverDays = d.int(5, 7);
  return {
    age: d.int(2, 5),
    sex: d.chance(0.6) ? 'male' : 'female',
    feverDays,
    signDays: d.int(2, feverDays - 2),
    temp: d.int(390, 401),
    heartRate: d.int(130, 160),
    node: d.chance(0.6) ? d.int(16, 25) : 0,
    nodeSide: d.chance(0.5) ? 'left' : 'right',
    wbc: d.step(14000, 22000, 100),
    crp: d.int(90, 190),
    platelets: d.step(380000, 560000, 1000),
    albumin: d.int(28, 34),
    pyuria: d.chance(0.5),
    coronaryZ: d.chance(0.25) ? d.int(20, 24) : 0,
    afebrileHours: d.pick([24, 36]),
    dischargeDay: d.int(4, 6),
  };
}

function criteria(f: Facts): number {
  return f.node > 0 ? 5 : 4;
}

function en(f: Facts, w: Writer): CaseText {
  const Pr = w.g('He', 'She');
  const his = w.g('his', 'her');
  const normal = f.coronaryZ === 0;
  const p1 = [
    `${w.Person}, previously healthy and fully vaccinated, was brought to the emergency department with ${f.feverDays} days of high fever unresponsive to antipyretics.`,
    `Over the previous ${f.signDays} days ${his} parents had noticed red eyes without discharge, a rash on the trunk and swollen hands and feet.`,
  ];
  const p2 = [
    `On examination the temperature was ${w.dec(f.temp, 1)} °C and the heart rate ${f.heartRate} beats per minute.`,
    `There was bilateral non-exudative conjunctival injection, red cracked lips with a strawberry tongue, a polymorphous rash over the trunk and groin, and firm edema of the hands and feet with palmar erythema${f.node > 0 ? `, as well as a ${f.node}-mm ${f.nodeSide} cervical lymph node` : ''}.`,
    `Blood tests showed a white cell count of ${w.int(f.wbc)}/µL, C-reactive protein ${f.crp} mg/L, platelets ${w.int(f.platelets)}/µL and albumin ${w.dec(f.albumin, 1)} g/dL${f.pyuria ? ', and urinalysis showed sterile pyuria' : ''}.`,
    `Echocardiography showed ${normal ? 'normal coronary arteries' : `mild dilation of the proximal left anterior descending artery (Z-score ${w.dec(f.coronaryZ, 1)})`} and no pericardial effusion.`,
  ];
  const p3 = [
    `With ${criteria(f) === 5 ? 'all five' : 'four of the five'} principal criteria, Kawasaki disease was diagnosed.`,
    `${Pr} received intravenous immunoglobulin 2 g/kg over 12 hours with high-dose aspirin, and the fever resolved within ${f.afebrileHours} hours.`,
    'Aspirin was reduced to a low antiplatelet dose after 48 hours without fever.',
    `${Pr} was discharged on day ${f.dischargeDay}, and the echocardiogram at six weeks ${normal ? 'remained normal' : 'showed that the dilation had regressed'}.`,
  ];
  const summary = [
    `${w.Person} presented with ${f.feverDays} days of fever, conjunctival injection, a strawberry tongue, a rash and swollen hands and feet (CRP ${f.crp} mg/L).`,
    `Kawasaki disease was treated with intravenous immunoglobulin and aspirin; the fever resolved within ${f.afebrileHours} hours ${normal ? 'and the coronary arteries stayed normal' : 'and a mild coronary dilation had regressed at six weeks'}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'Kawasaki disease', shared: [w.person, `${f.crp} mg/L`] };
}

function es(f: Facts, w: Writer): CaseText {
  const normal = f.coronaryZ === 0;
  const p1 = [
    `${w.Person}, previamente ${w.g('sano', 'sana')} y con el calendario vacunal al día, fue ${w.g('llevado', 'llevada')} a urgencias por fiebre alta de ${f.feverDays} días de evolución que no cedía con antitérmicos.`,
    `En los ${f.signDays} días previos sus padres habían observado enrojecimiento ocular sin secreción, un exantema en el tronco e hinchazón de manos y pies.`,
  ];
  const p2 = [
    `En la exploración presentaba una temperatura de ${w.dec(f.temp, 1)} °C y una frecuencia cardíaca de ${f.heartRate} lpm.`,
    `Se objetivaron inyección conjuntival bilateral no exudativa, labios rojos y fisurados con lengua aframbuesada, exantema polimorfo en tronco e ingles y edema indurado de manos y pies con eritema palmar${f.node > 0 ? `, así como una adenopatía cervical ${f.nodeSide === 'left' ? 'izquierda' : 'derecha'} de ${f.node} mm` : ''}.`,
    `La analítica mostró leucocitosis de ${w.int(f.wbc)}/mm³, proteína C reactiva de ${f.crp} mg/L, plaquetas ${w.int(f.platelets)}/mm³ y albúmina de ${w.dec(f.albumin, 1)} g/dL${f.pyuria ? ', con piuria estéril en el sedimento urinario' : ''}.`,
    `La ecocardiografía mostró ${normal ? 'arterias coronarias normales' : `una dilatación leve de la descendente anterior proximal (puntuación Z de ${w.dec(f.coronaryZ, 1)})`}, sin derrame pericárdico.`,
  ];
  const p3 = [
    `Al cumplir ${criteria(f) === 5 ? 'los cinco' : 'cuatro de los cinco'} criterios clínicos principales, se diagnosticó enfermedad de Kawasaki.`,
    `Recibió inmunoglobulina intravenosa a 2 g/kg en 12 horas junto con ácido acetilsalicílico a dosis altas, y la fiebre desapareció en ${f.afebrileHours} horas.`,
    'Tras 48 horas sin fiebre se redujo el ácido acetilsalicílico a dosis antiagregante.',
    `Fue ${w.g('dado', 'dada')} de alta tras ${f.dischargeDay} días de ingreso, y la ecocardiografía a las seis semanas ${normal ? 'siguió siendo normal' : 'mostró la regresión de la dilatación'}.`,
  ];
  const summary = [
    `${w.Person} fue ${w.g('llevado', 'llevada')} a urgencias por fiebre de ${f.feverDays} días, inyección conjuntival, lengua aframbuesada, exantema y edema de manos y pies (PCR de ${f.crp} mg/L).`,
    `La enfermedad de Kawasaki se trató con inmunoglobulina intravenosa y ácido acetilsalicílico; la fiebre cedió en ${f.afebrileHours} horas ${normal ? 'y las coronarias fueron normales' : 'y una leve dilatación coronaria regresó'}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'enfermedad de Kawasaki', shared: [w.person, `${f.crp} mg/L`] };
}

function fr(f: Facts, w: Writer): CaseText {
  const normal = f.coronaryZ === 0;
  const p1 = [
    `${w.Person}, sans antécédent et à jour de ses vaccinations, a été ${w.g('amené', 'amenée')} aux urgences pour une fièvre élevée évoluant depuis ${f.feverDays} jours, résistante aux antipyrétiques.`,
    `Depuis ${f.signDays} jours, ses parents avaient remarqué des yeux rouges sans écoulement, une éruption du tronc et un gonflement des mains et des pieds.`,
  ];
  const p2 = [
    `À l'examen, la température était de ${w.dec(f.temp, 1)} °C et la fréquence cardiaque de ${f.heartRate}/min.`,
    `On notait une hyperhémie conjonctivale bilatérale non exsudative, des lèvres rouges et fissurées avec une langue framboisée, un exanthème polymorphe du tronc et des plis inguinaux, et un œdème induré des mains et des pieds avec un érythème palmaire${f.node > 0 ? `, ainsi qu'une adénopathie cervicale ${f.nodeSide === 'left' ? 'gauche' : 'droite'} de ${f.node} mm` : ''}.`,
    `La biologie montrait une hyperleucocytose à ${w.int(f.wbc)}/mm³, une protéine C réactive à ${f.crp} mg/L, des plaquettes à ${w.int(f.platelets)}/mm³ et une albuminémie à ${f.albumin} g/L${f.pyuria ? ", ainsi qu'une leucocyturie aseptique" : ''}.`,
    `L'échocardiographie montrait ${normal ? 'des artères coronaires normales' : `une discrète dilatation de l'interventriculaire antérieure proximale (Z-score à ${w.dec(f.coronaryZ, 1)})`}, sans épanchement péricardique.`,
  ];
  const p3 = [
    `Devant ${criteria(f) === 5 ? 'les cinq critères principaux' : 'quatre des cinq critères principaux'}, le diagnostic de maladie de Kawasaki a été posé.`,
    `L'enfant a reçu des immunoglobulines intraveineuses à 2 g/kg sur 12 heures, associées à de l'aspirine à dose anti-inflammatoire, et l'apyrexie a été obtenue en ${f.afebrileHours} heures.`,
    "L'aspirine a été réduite à dose antiagrégante après 48 heures d'apyrexie.",
    `${w.g('Il', 'Elle')} est ${w.g('sorti', 'sortie')} à J${f.dischargeDay}, et l'échocardiographie à six semaines ${normal ? 'était normale' : 'montrait une régression de la dilatation'}.`,
  ];
  const summary = [
    `${w.Person} a été ${w.g('amené', 'amenée')} pour une fièvre de ${f.feverDays} jours avec hyperhémie conjonctivale, langue framboisée, exanthème et œdème des extrémités (CRP à ${f.crp} mg/L).`,
    `La maladie de Kawasaki a été traitée par immunoglobulines intraveineuses et aspirine ; la fièvre a cédé en ${f.afebrileHours} heures ${normal ? 'et les coronaires étaient normales' : 'et une discrète dilatation coronaire a régressé'}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'maladie de Kawasaki', shared: [w.person, `${f.crp} mg/L`] };
}

function pt(f: Facts, w: Writer): CaseText {
  const normal = f.coronaryZ === 0;
  const p1 = [
    `${w.Person}, previamente ${w.g('hígido', 'hígida')} e com a vacinação em dia, foi ${w.g('levado', 'levada')} ao pronto-socorro por febre alta havia ${f.feverDays} dias, sem resposta aos antitérmicos.`,
    `Nos ${f.signDays} dias anteriores, os pais haviam notado olhos vermelhos sem secreção, manchas no tronco e inchaço das mãos e dos pés.`,
  ];
  const p2 = [
    `Ao exame, apresentava temperatura de ${w.dec(f.temp, 1)} °C e frequência cardíaca de ${f.heartRate} bpm.`,
    `Observavam-se hiperemia conjuntival bilateral não exsudativa, lábios avermelhados e fissurados com língua em framboesa, exantema polimorfo no tronco e na região inguinal e edema endurecido de mãos e pés com eritema palmar${f.node > 0 ? `, além de um linfonodo cervical ${f.nodeSide === 'left' ? 'esquerdo' : 'direito'} de ${f.node} mm` : ''}.`,
    `Os exames mostraram leucocitose de ${w.int(f.wbc)}/mm³, proteína C reativa de ${f.crp} mg/L, plaquetas de ${w.int(f.platelets)}/mm³ e albumina de ${w.dec(f.albumin, 1)} g/dL${f.pyuria ? ', com piúria estéril no exame de urina' : ''}.`,
    `O ecocardiograma mostrou ${normal ? 'artérias coronárias normais' : `discreta dilatação da artéria descendente anterior proximal (escore Z de ${w.dec(f.coronaryZ, 1)})`}, sem derrame pericárdico.`,
  ];
  const p3 = [
    `Com ${criteria(f) === 5 ? 'os cinco' : 'quatro dos cinco'} critérios clínicos principais, foi feito o diagnóstico de doença de Kawasaki.`,
    `A criança recebeu imunoglobulina intravenosa 2 g/kg em 12 horas e ácido acetilsalicílico em dose anti-inflamatória, com resolução da febre em ${f.afebrileHours} horas.`,
    'Após 48 horas sem febre, o ácido acetilsalicílico foi reduzido para dose antiagregante.',
    `Recebeu alta no ${f.dischargeDay}º dia de internação, e o ecocardiograma de seis semanas ${normal ? 'permaneceu normal' : 'mostrou regressão da dilatação'}.`,
  ];
  const summary = [
    `${w.Person} foi ${w.g('levado', 'levada')} ao pronto-socorro com febre havia ${f.feverDays} dias, hiperemia conjuntival, língua em framboesa, exantema e edema de mãos e pés (PCR de ${f.crp} mg/L).`,
    `A doença de Kawasaki foi tratada com imunoglobulina intravenosa e ácido acetilsalicílico; a febre cedeu em ${f.afebrileHours} horas ${normal ? 'e as coronárias permaneceram normais' : 'e uma discreta dilatação coronariana regrediu'}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'doença de Kawasaki', shared: [w.person, `${f.crp} mg/L`] };
}

export const kawasaki: Scenario<Facts> = { id: 'kawasaki', draw, text: { en, es, fr, pt } };
